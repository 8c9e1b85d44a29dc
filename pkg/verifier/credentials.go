package verifier

import "path/filepath"

// DockerConfigPath is where credentials are read: $DOCKER_CONFIG/config.json,
// else "" (oras' default, ~/.docker/config.json) when $HOME is set, else
// /root/.docker/config.json (containerd's environment under systemd has no
// HOME). Both adapters, the bindir executable and the in-process plugin,
// run in containerd's environment and read credentials from here.
func DockerConfigPath(getenv func(string) string) string {
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	if getenv("HOME") != "" {
		return ""
	}
	return "/root/.docker/config.json"
}
