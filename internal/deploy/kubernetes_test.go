package deploy

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

type k8sProbe struct {
	HTTPGet struct{ Path string } `yaml:"httpGet"`
}

// k8sObject is the part of a Kubernetes manifest the checks read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string
	Metadata   struct{ Name string }
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas        int
		SessionAffinity string `yaml:"sessionAffinity"`
		MinAvailable    int    `yaml:"minAvailable"`
		Selector        struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		}
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				Containers                    []struct {
					Name  string
					Ports []struct {
						Name          string
						ContainerPort int `yaml:"containerPort"`
					}
					Env []struct {
						Name, Value string
					}
					EnvFrom []struct {
						SecretRef struct{ Name string } `yaml:"secretRef"`
					} `yaml:"envFrom"`
					LivenessProbe  k8sProbe `yaml:"livenessProbe"`
					ReadinessProbe k8sProbe `yaml:"readinessProbe"`
					Lifecycle      struct {
						PreStop struct {
							Sleep struct{ Seconds int }
						} `yaml:"preStop"`
					}
				}
			}
		}
	}
}

// TestKubernetesExample parses docs/kubernetes.yaml and checks what the deployment docs
// promise of it: several replicas behind a Service without session affinity, sharing state
// through Redis; liveness on /health, readiness on /ready; every setting it names exists; the
// pod advertises its own IP to the other replicas; secrets come from a Secret; a grace period
// above the preStop pause plus MCP_SHUTDOWN_TIMEOUT; a PodDisruptionBudget that keeps
// replicas up.
func TestKubernetesExample(t *testing.T) {
	t.Parallel()
	known := knownSettings(t)
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, "docs/kubernetes.yaml")))
	objs := map[string]k8sObject{}
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("docs/kubernetes.yaml: %v", err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("an object without apiVersion, kind or name: %+v", o)
		}
		objs[o.Kind+"/"+o.Metadata.Name] = o
	}
	dep, ok := objs["Deployment/jana-mcp"]
	if !ok {
		t.Fatalf("no Deployment jana-mcp among %v", objs)
	}
	if dep.Spec.Replicas < 2 {
		t.Errorf("replicas %d: the example is about several", dep.Spec.Replicas)
	}
	if svc := objs["Service/jana-mcp"]; svc.Spec.SessionAffinity != "None" {
		t.Errorf("Service session affinity %q, want None (no stickiness)", svc.Spec.SessionAffinity)
	}
	if pdb, ok := objs["PodDisruptionBudget/jana-mcp"]; !ok || pdb.Spec.MinAvailable < 1 || pdb.Spec.MinAvailable >= dep.Spec.Replicas {
		t.Errorf("PodDisruptionBudget %+v: want minAvailable between 1 and replicas-1", pdb.Spec)
	}
	if _, ok := objs["Service/jana-mcp-redis"]; !ok {
		t.Error("no Redis Service")
	}
	secret := objs["Secret/jana-mcp"]
	if !strings.HasPrefix(secret.StringData["MCP_REDIS_URL"], "redis://jana-mcp-redis:") {
		t.Errorf("the Secret's MCP_REDIS_URL %q does not name the Redis Service", secret.StringData["MCP_REDIS_URL"])
	}
	for name := range secret.StringData {
		if _, ok := known[name]; !ok {
			t.Errorf("the Secret sets %s, which is not a setting", name)
		}
	}
	c := dep.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if _, ok := known[e.Name]; !ok && e.Name != "POD_IP" {
			t.Errorf("the Deployment sets %s, which is not a setting", e.Name)
		}
		if credentials[e.Name] {
			t.Errorf("%s is a credential: it belongs in the Secret", e.Name)
		}
	}
	if env["MCP_CLUSTER_ADVERTISE_URL"] != "http://$(POD_IP):8080" {
		t.Errorf("MCP_CLUSTER_ADVERTISE_URL %q: want the pod's own IP", env["MCP_CLUSTER_ADVERTISE_URL"])
	}
	if len(c.EnvFrom) == 0 || c.EnvFrom[0].SecretRef.Name != "jana-mcp" {
		t.Error("the container does not read the Secret")
	}
	if c.LivenessProbe.HTTPGet.Path != "/health" || c.ReadinessProbe.HTTPGet.Path != "/ready" {
		t.Errorf("probes %q / %q, want /health for liveness and /ready for readiness", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
	}
	drain, err := time.ParseDuration(env["MCP_SHUTDOWN_TIMEOUT"])
	if err != nil {
		drain = shutdownTimeout(t)
	}
	grace := time.Duration(dep.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
	pause := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	if pause == 0 || grace <= pause+drain {
		t.Errorf("terminationGracePeriodSeconds %s must exceed the preStop pause %s plus MCP_SHUTDOWN_TIMEOUT %s", grace, pause, drain)
	}
}
