// Command maglev-render renders standard Helm charts with Helm's own template engine (helm.sh/helm/v3 at
// the version pinned in hack/versions.env), kept running by the operator and reused across renders.
//
// Protocol: one JSON object per line, both ways. The operator sends
//
//	{"type":"render","id":1,"chart":"<base64 .tgz>","values":{...},"release":{...},
//	 "kubeVersion":"v1.35.4","apiVersions":["apps/v1",...],"lookup":true}
//
// and gets {"type":"result","id":1,"files":{"chart/templates/x.yaml":"..."}} or {"type":"result","id":1,
// "error":"..."}. Renders run concurrently. While a render with "lookup": true runs, each `lookup` call in a
// template is sent to the operator as {"type":"lookup","id":1,"seq":N,"apiVersion":...,"kind":...,
// "namespace":...,"name":...} (an empty name lists) and answered with {"type":"lookupResult","id":1,"seq":N,
// "found":true,"object":{...}} (or "found":false, or "error"), so the operator serves lookups with its own
// client and the release's identity; this process has no cluster access of its own. Without "lookup",
// `lookup` returns an empty map, as in `helm template`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"syscall"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

type releaseOptions struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision"`
	IsInstall bool   `json:"isInstall"`
	IsUpgrade bool   `json:"isUpgrade"`
}

type message struct {
	Type        string                 `json:"type"`
	ID          int64                  `json:"id"`
	Seq         int64                  `json:"seq,omitempty"`
	Chart       []byte                 `json:"chart,omitempty"`
	Values      map[string]interface{} `json:"values,omitempty"`
	Release     *releaseOptions        `json:"release,omitempty"`
	KubeVersion string                 `json:"kubeVersion,omitempty"`
	APIVersions []string               `json:"apiVersions,omitempty"`
	Lookup      bool                   `json:"lookup,omitempty"`
	Found       bool                   `json:"found,omitempty"`
	Object      json.RawMessage        `json:"object,omitempty"`
	Error       string                 `json:"error,omitempty"`
	Files       map[string]string      `json:"files,omitempty"`
	APIVersion  string                 `json:"apiVersion,omitempty"`
	Kind        string                 `json:"kind,omitempty"`
	Namespace   string                 `json:"namespace,omitempty"`
	Name        string                 `json:"name,omitempty"`
}

// server writes replies one line at a time and routes lookup answers to the render waiting for them.
type server struct {
	out     *bufio.Writer
	outMu   sync.Mutex
	waitMu  sync.Mutex
	waiting map[[2]int64]chan message
	seq     int64
}

func (s *server) send(m message) {
	data, err := json.Marshal(m)
	if err != nil {
		data, _ = json.Marshal(message{Type: "result", ID: m.ID, Error: "encoding the reply: " + err.Error()})
	}
	s.outMu.Lock()
	defer s.outMu.Unlock()
	_, _ = s.out.Write(append(data, '\n'))
	_ = s.out.Flush()
}

// ask sends a lookup for render id and waits for its answer.
func (s *server) ask(id int64, q message) message {
	s.waitMu.Lock()
	s.seq++
	seq := s.seq
	ch := make(chan message, 1)
	s.waiting[[2]int64{id, seq}] = ch
	s.waitMu.Unlock()
	q.Type, q.ID, q.Seq = "lookup", id, seq
	s.send(q)
	return <-ch
}

func (s *server) answer(m message) {
	s.waitMu.Lock()
	ch, ok := s.waiting[[2]int64{m.ID, m.Seq}]
	delete(s.waiting, [2]int64{m.ID, m.Seq})
	s.waitMu.Unlock()
	if ok {
		ch <- m
	}
}

// provider gives Helm's lookup function a client that asks the operator.
type provider struct {
	s  *server
	id int64
}

func (p provider) GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error) {
	// Namespaced or not is the operator's to decide (it has the REST mapping): a namespace given for a
	// cluster-scoped kind is ignored there.
	return &bridge{p: p, apiVersion: apiVersion, kind: kind}, true, nil
}

// bridge implements the two calls Helm's lookup makes (Get and List); any other call panics.
type bridge struct {
	dynamic.NamespaceableResourceInterface
	p          provider
	apiVersion string
	kind       string
	namespace  string
}

func (b *bridge) Namespace(ns string) dynamic.ResourceInterface {
	return &bridge{p: b.p, apiVersion: b.apiVersion, kind: b.kind, namespace: ns}
}

func (b *bridge) fetch(name string) (json.RawMessage, error) {
	r := b.p.s.ask(b.p.id, message{APIVersion: b.apiVersion, Kind: b.kind, Namespace: b.namespace, Name: name})
	if r.Error != "" {
		return nil, errors.New(r.Error)
	}
	if !r.Found {
		gv, _ := schema.ParseGroupVersion(b.apiVersion)
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group, Resource: b.kind}, name)
	}
	return r.Object, nil
}

func (b *bridge) Get(_ context.Context, name string, _ metav1.GetOptions, _ ...string) (*unstructured.Unstructured, error) {
	data, err := b.fetch(name)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("lookup %s %s %s/%s: %w", b.apiVersion, b.kind, b.namespace, name, err)
	}
	return obj, nil
}

func (b *bridge) List(_ context.Context, _ metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	data, err := b.fetch("")
	if err != nil {
		return nil, err
	}
	list := &unstructured.UnstructuredList{}
	if err := list.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("lookup %s %s in %q: %w", b.apiVersion, b.kind, b.namespace, err)
	}
	return list, nil
}

func (s *server) render(m message) (files map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("renderer panic: %v", r)
		}
	}()
	chrt, err := loader.LoadArchive(bytes.NewReader(m.Chart))
	if err != nil {
		return nil, fmt.Errorf("loading chart: %w", err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	if m.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(m.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kube version %q: %w", m.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	if len(m.APIVersions) > 0 {
		caps.APIVersions = append(chartutil.VersionSet{}, m.APIVersions...)
	}
	rel := releaseOptions{}
	if m.Release != nil {
		rel = *m.Release
	}
	values := m.Values
	if values == nil {
		values = map[string]interface{}{}
	}
	vals, err := chartutil.ToRenderValues(chrt, values, chartutil.ReleaseOptions{
		Name: rel.Name, Namespace: rel.Namespace, Revision: rel.Revision, IsInstall: rel.IsInstall, IsUpgrade: rel.IsUpgrade,
	}, caps)
	if err != nil {
		return nil, err
	}
	if m.Lookup {
		return engine.RenderWithClientProvider(chrt, vals, provider{s: s, id: m.ID})
	}
	return engine.Render(chrt, vals)
}

// addressSpaceLimit caps this process's virtual memory, so a template that builds an output bomb (a range
// over a huge `until`, repeated strings) kills this process instead of the node: the operator then fails
// the render and starts a new process. Go reserves address space lazily, so normal renders stay far below.
const addressSpaceLimit = 3 << 30

func main() {
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: addressSpaceLimit, Max: addressSpaceLimit}); err != nil {
		fmt.Fprintln(os.Stderr, "maglev-render: cannot limit memory:", err)
	}
	// The heap is kept well under the address-space cap; the operator also kills a render at its deadline.
	debug.SetMemoryLimit(1 << 30)
	s := &server{out: bufio.NewWriterSize(os.Stdout, 1<<20), waiting: map[[2]int64]chan message{}}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var m message
			if jerr := json.Unmarshal(line, &m); jerr != nil {
				s.send(message{Type: "result", ID: -1, Error: "bad request: " + jerr.Error()})
			} else if m.Type == "lookupResult" {
				s.answer(m)
			} else if m.Type == "render" {
				go func(m message) {
					files, err := s.render(m)
					if err != nil {
						s.send(message{Type: "result", ID: m.ID, Error: err.Error()})
						return
					}
					s.send(message{Type: "result", ID: m.ID, Files: files})
				}(m)
			}
		}
		if err != nil {
			return
		}
	}
}
