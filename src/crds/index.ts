/**
 * The maglev.io/v1alpha1 API for the rest of the operator: generated types and constants, schema
 * defaults applied in code, and the checks the API server cannot make.
 */
export * from './generated/types.js';
export { applyDefaults, withHelmReleaseDefaults, withMaglevDistroDefaults } from './defaults.js';
export * from './validate.js';
