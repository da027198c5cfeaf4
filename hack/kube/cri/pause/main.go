// Command pause is the pod sandbox ("infra") container of the real node of hack/kube.sh: it holds
// the pod's namespaces open and does nothing else. Kubernetes' own pause is a C program that is not
// packaged anywhere this machine reaches, and with no registry there is no image to pull, so this
// one is built from source like the rest of the node and imported into containerd as
// localhost/kruise-agents/pause (hack/kube/node.sh).
//
// What it must do, as the C original: sleep until told to stop, exit 0 on SIGINT or SIGTERM (so
// stopping a pod does not wait out a grace period), and reap zombies, because with a shared PID
// namespace (shareProcessNamespace: true) it is PID 1 for every container of the pod.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		// Reap every exited child; WNOHANG, as SIGCHLD coalesces and more may come.
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
