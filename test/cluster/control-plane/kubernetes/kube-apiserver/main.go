// Command kube-apiserver is the upstream API server of k8s.io/kubernetes, built from this module
// because the module proxy here does not serve `go install` of the release's commands. It adds
// nothing: the same command, flags and registrations as cmd/kube-apiserver upstream.
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones, as upstream bundles them

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
