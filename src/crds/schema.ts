/**
 * The schema vocabulary of src/crds: a typed subset of the apiextensions.k8s.io/v1 OpenAPI schema, plus
 * small builders that keep the kind files short. One tree of these nodes per kind is the single source
 * from which the CRD YAML and the TypeScript types are generated.
 */

/** One CEL rule (`x-kubernetes-validations`) checked by the API server. */
export interface CelRule {
  rule: string;
  message: string;
}

/**
 * A structural schema node. `typeName` is ours, not Kubernetes': it names the generated TypeScript
 * interface or union and is removed from the CRD YAML.
 */
export interface Schema {
  type: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description: string;
  typeName?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  enum?: string[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

/** Extra schema keywords a builder call may set (everything but type and description). */
export type Extra = Omit<Partial<Schema>, 'type' | 'description'>;

/** A string property. */
export function str(description: string, extra: Extra = {}): Schema {
  return { type: 'string', description, ...extra };
}

/** A closed set of strings; `typeName` makes the generator emit a named `as const` object and union. */
export function oneOf(description: string, values: readonly string[], extra: Extra = {}): Schema {
  return { type: 'string', description, enum: [...values], ...extra };
}

/** An int64 property. */
export function int(description: string, extra: Extra = {}): Schema {
  return { type: 'integer', format: 'int64', description, ...extra };
}

/** A boolean property; absent means false unless the description says otherwise. */
export function bool(description: string, extra: Extra = {}): Schema {
  return { type: 'boolean', description, ...extra };
}

/** Properties of an object, in the order they are documented and generated. */
export type Properties = Record<string, Schema>;

/** An object with known properties; `typeName` names its generated interface (required by the generator). */
export function obj(typeName: string, description: string, properties: Properties, extra: Extra = {}): Schema {
  return { type: 'object', typeName, description, properties, ...extra };
}

/** A list of `items`. */
export function list(description: string, items: Schema, extra: Extra = {}): Schema {
  return { type: 'array', description, items, ...extra };
}

/** A string-keyed map of `values`. */
export function map(description: string, values: Schema, extra: Extra = {}): Schema {
  return { type: 'object', description, additionalProperties: values, ...extra };
}

/** A free-form object: the API server keeps any content (used for Helm values). */
export function freeForm(description: string, extra: Extra = {}): Schema {
  return { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true, ...extra };
}

/** A deep copy of `schema` with every `default` removed (for the same fields reused as optional overrides). */
export function withoutDefaults(schema: Schema): Schema {
  const { default: _dropped, properties, items, additionalProperties, ...rest } = schema;
  const copy: Schema = { ...rest };
  if (properties !== undefined) {
    copy.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, withoutDefaults(v)]));
  }
  if (items !== undefined) copy.items = withoutDefaults(items);
  if (additionalProperties !== undefined) copy.additionalProperties = withoutDefaults(additionalProperties);
  return copy;
}

/** The object schema `schema` restricted to the named properties, renamed `typeName`, with nothing required. */
export function pick(schema: Schema, keys: readonly string[], typeName: string, description: string): Schema {
  const picked: Properties = {};
  for (const key of keys) {
    const prop = schema.properties?.[key];
    if (prop === undefined) throw new Error(`pick: ${schema.typeName ?? 'object'} has no property ${key}`);
    picked[key] = prop;
  }
  return obj(typeName, description, picked);
}
