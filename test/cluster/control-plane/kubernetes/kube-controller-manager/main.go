// Command kube-controller-manager is the upstream controller manager of k8s.io/kubernetes
// (Deployments, ReplicaSets, Jobs, namespaces, garbage collection, service accounts), built from
// this module with the same registrations as cmd/kube-controller-manager upstream.
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones, as upstream bundles them

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
