// Package deploy holds tests of the deployment files: Dockerfile, compose files.
//
// No Docker engine runs where these tests do, so they check the files themselves (parsed
// compose YAML, a line-based reading of the Dockerfile, the .dockerignore patterns) against the
// server's real settings, and build the image's binary with the script the Dockerfile runs,
// scripts/build-static.sh, to prove it is a static linux/amd64 executable that starts.
package deploy
