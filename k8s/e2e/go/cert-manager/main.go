// Command cert-manager runs one of cert-manager's three components, chosen by its first
// argument: controller, webhook or cainjector. It accepts the arguments cert-manager's own Helm
// chart passes to each, so that chart installs it unchanged but for the images.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	logsapi "k8s.io/component-base/logs/api/v1"

	logf "github.com/cert-manager/cert-manager/pkg/logs"
)

type component struct {
	flags func(*pflag.FlagSet)
	run   func(context.Context) error
}

func main() {
	components := map[string]component{
		"controller": {controllerFlags, runController},
		"webhook":    {webhookFlags, runWebhook},
		"cainjector": {cainjectorFlags, runCAInjector},
	}
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: cert-manager controller|webhook|cainjector [flags]"))
	}
	c, ok := components[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown component %q: want controller, webhook or cainjector", os.Args[1]))
	}
	logf.InitLogs()
	defer logf.FlushLogs()
	fs := pflag.NewFlagSet(os.Args[1], pflag.ContinueOnError)
	logging := logsapi.NewLoggingConfiguration()
	logf.AddFlags(logging, fs)
	c.flags(fs)
	if err := fs.Parse(os.Args[2:]); err != nil {
		fail(err)
	}
	if err := logf.ValidateAndApply(logging); err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, os.Args[1])
	if err := c.run(ctx); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cert-manager:", err)
	os.Exit(1)
}
