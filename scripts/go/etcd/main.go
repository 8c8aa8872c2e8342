// Command etcd is etcd's own server, built from its module: `go install` refuses the server module
// (its go.mod has replace directives), while a module that requires it and calls its entry point builds.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
