// Command etcd is the etcd server the simulated cluster's API server stores its objects in,
// built from this module because the module proxy here does not serve `go install` of etcd's
// command. It calls the same entry point as etcd's own main package.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
