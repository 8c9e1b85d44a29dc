// Command etcd is etcd's server main, built from the module proxy for the
// cluster tests (see ../doc.go).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
