package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

var secrets = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// dockerAuth is one registry's entry of a docker config.
type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
}

// pullCredentials returns what the pod's imagePullSecrets hold for a
// registry, as the kubelet would use them (the first secret with an entry
// for the host), and an identity of that secret version for cache keys.
// A secret that does not exist is skipped, as the kubelet skips it; one the
// webhook may not read is an error (grant get on secrets, or turn
// Config.PullSecrets off).
func (w *Webhook) pullCredentials(ctx context.Context, ns string, names []string, registry string) (*target.Credentials, string, error) {
	for _, name := range names {
		u, err := w.cfg.Dynamic.Resource(secrets).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("imagePullSecret %s/%s: %w", ns, name, err)
		}
		data := stringMap(u.Object["data"])
		var auths map[string]dockerAuth
		switch {
		case data[".dockerconfigjson"] != "":
			var cfg struct {
				Auths map[string]dockerAuth `json:"auths"`
			}
			if err := decodeSecretJSON(data[".dockerconfigjson"], &cfg); err != nil {
				return nil, "", fmt.Errorf("imagePullSecret %s/%s: .dockerconfigjson: %v", ns, name, err)
			}
			auths = cfg.Auths
		case data[".dockercfg"] != "":
			if err := decodeSecretJSON(data[".dockercfg"], &auths); err != nil {
				return nil, "", fmt.Errorf("imagePullSecret %s/%s: .dockercfg: %v", ns, name, err)
			}
		}
		for key, a := range auths {
			if registryHost(key) != registryHost(registry) {
				continue
			}
			c := &target.Credentials{Username: a.Username, Password: a.Password, Token: a.IdentityToken}
			if a.Auth != "" {
				raw, err := base64.StdEncoding.DecodeString(a.Auth)
				user, pass, ok := strings.Cut(string(raw), ":")
				if err != nil || !ok {
					return nil, "", fmt.Errorf("imagePullSecret %s/%s: the auth of %s is not base64 of user:password", ns, name, registry)
				}
				c.Username, c.Password = user, pass
			}
			return c, ns + "/" + name + "@" + u.GetResourceVersion(), nil
		}
	}
	return nil, "", nil
}

// stringMap is a Secret's data: its string members.
func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// decodeSecretJSON decodes a Secret's data value: base64 of JSON.
func decodeSecretJSON(b64 string, v any) error {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("not base64: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("not a docker config: %v", err)
	}
	return nil
}

// registryHost is a docker config key or a registry as one host name:
// scheme and path dropped, Docker Hub's aliases as docker.io.
func registryHost(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.Index(s, "/"); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return s
}
