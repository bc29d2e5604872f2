// Generates Helm-written release record Secrets (write mode) and decodes Secrets written by
// maglev-operator with Helm's own driver (read mode). Runs inside a copy of helm v3.21.4's module.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	helmtime "helm.sh/helm/v3/pkg/time"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func demoChart() *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{
			Name: "demo", Version: "1.2.3", AppVersion: "4.5.6", APIVersion: "v2", Type: "application",
			Description:  "A demo <chart> & friends",
			Annotations:  map[string]string{"z": "last", "a": "first"},
			Maintainers:  []*chart.Maintainer{{Name: "ops", Email: "ops@example.com"}},
			Dependencies: []*chart.Dependency{{Name: "db", Version: "~1.0", Repository: "https://charts.example.com", Condition: "db.enabled", Enabled: true}},
		},
		Templates: []*chart.File{{Name: "templates/deployment.yaml", Data: []byte("kind: Deployment\nreplicas: {{ .Values.replicas }}\n")}},
		Values:    map[string]interface{}{"replicas": 2, "image": map[string]interface{}{"tag": "1.0", "repo": "nginx"}, "b": true},
		Schema:    []byte(`{"type":"object"}`),
		Files:     []*chart.File{{Name: "README.md", Data: []byte("# demo\n")}, {Name: "crds/widget.yaml", Data: []byte("kind: CustomResourceDefinition\n")}},
	}
}

func rel(version int, status release.Status, desc string) *release.Release {
	loc := time.FixedZone("CET", 3600)
	first := helmtime.Time{Time: time.Date(2024, 3, 5, 10, 11, 12, 123456789, loc)}
	last := helmtime.Time{Time: time.Date(2024, 3, 6, 8, 0, 0, 500000000, time.UTC)}
	return &release.Release{
		Name: "demo", Namespace: "apps", Version: version,
		Info: &release.Info{FirstDeployed: first, LastDeployed: last, Description: desc, Status: status,
			Notes: "Visit <http://demo.local> & enjoy\u2028"},
		Chart:    demoChart(),
		Config:   map[string]interface{}{"image": map[string]interface{}{"tag": "2.0"}, "replicas": 3.5},
		Manifest: "---\n# Source: demo/templates/deployment.yaml\nkind: Deployment\nreplicas: 3\n",
		Hooks: []*release.Hook{
			{Name: "migrate", Kind: "Job", Path: "demo/templates/job.yaml", Manifest: "kind: Job\n",
				Events: []release.HookEvent{release.HookPreUpgrade, release.HookPreInstall}, Weight: -5,
				DeletePolicies: []release.HookDeletePolicy{release.HookBeforeHookCreation, release.HookSucceeded},
				LastRun:        release.HookExecution{StartedAt: last, CompletedAt: last.Add(3 * time.Second), Phase: release.HookPhaseSucceeded}},
			{Name: "smoke", Kind: "Pod", Path: "demo/templates/test.yaml", Manifest: "kind: Pod\n",
				Events: []release.HookEvent{release.HookTest}, OutputLogPolicies: []release.HookOutputLogPolicy{release.HookOutputOnFailed}},
		},
	}
}

func write(out string) {
	c := fake.NewSimpleClientset()
	s := storage.Init(driver.NewSecrets(c.CoreV1().Secrets("apps")))
	must(s.Create(rel(2, release.StatusSuperseded, "Install complete")))
	must(s.Create(rel(3, release.StatusDeployed, "Upgrade complete")))
	list, err := c.CoreV1().Secrets("apps").List(context.Background(), metav1.ListOptions{})
	must(err)
	for i := range list.Items {
		list.Items[i].TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
		list.Items[i].Namespace = "apps"
	}
	b, err := json.MarshalIndent(list.Items, "", "  ")
	must(err)
	must(os.WriteFile(out, b, 0o644))
	// The JSON Helm marshalled, for byte comparison.
	rls, err := s.Get("demo", 3)
	must(err)
	j, err := json.Marshal(rls)
	must(err)
	must(os.WriteFile(out+".release3.json", j, 0o644))
}

func read(in string) {
	b, err := os.ReadFile(in)
	must(err)
	var secrets []v1.Secret
	must(json.Unmarshal(b, &secrets))
	c := fake.NewSimpleClientset()
	for i := range secrets {
		_, err := c.CoreV1().Secrets("apps").Create(context.Background(), &secrets[i], metav1.CreateOptions{})
		must(err)
	}
	s := storage.Init(driver.NewSecrets(c.CoreV1().Secrets("apps")))
	h, err := s.History("demo")
	must(err)
	for _, r := range h {
		j, err := json.Marshal(r)
		must(err)
		fmt.Printf("v%d status=%s desc=%q chart=%s-%s first=%s labels=%v\n", r.Version, r.Info.Status, r.Info.Description,
			r.Chart.Metadata.Name, r.Chart.Metadata.Version, r.Info.FirstDeployed.Format(time.RFC3339Nano), r.Labels)
		// Helm's re-encoding of what it decoded: must equal what maglev wrote.
		raw := secrets[0].Data["release"]
		for _, sec := range secrets {
			if sec.Labels["version"] == fmt.Sprint(r.Version) {
				raw = sec.Data["release"]
			}
		}
		gz, err := base64.StdEncoding.DecodeString(string(raw))
		must(err)
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		must(err)
		orig, err := io.ReadAll(zr)
		must(err)
		fmt.Printf("  helm re-marshal identical to maglev JSON: %v\n", bytes.Equal(orig, j))
		if !bytes.Equal(orig, j) {
			fmt.Printf("  maglev: %s\n  helm:   %s\n", orig, j)
		}
	}
	last, err := s.Last("demo")
	must(err)
	dep, err := s.Deployed("demo")
	must(err)
	fmt.Printf("last=v%d deployed=v%d\n", last.Version, dep.Version)
}

func main() {
	switch os.Args[1] {
	case "write":
		write(os.Args[2])
	case "read":
		read(os.Args[2])
	}
}
