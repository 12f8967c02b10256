package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/cert-manager/cert-manager/internal/apis/config/shared"
	config "github.com/cert-manager/cert-manager/internal/apis/config/webhook"
	"github.com/cert-manager/cert-manager/internal/webhook"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
)

// The webhook's settings, with cert-manager's defaults; it signs its own serving certificate with
// a CA it keeps in a Secret (the chart's default), which cainjector puts in the webhook
// configurations.
var webhookOptions config.WebhookConfiguration

func webhookFlags(fs *pflag.FlagSet) {
	o := &webhookOptions
	fs.Int32Var(&o.SecurePort, "secure-port", 6443, "HTTPS port the API server calls")
	fs.Int32Var(&o.HealthzPort, "healthz-port", 6080, "plain HTTP port of /healthz and /livez")
	fs.StringVar(&o.TLSConfig.Dynamic.SecretNamespace, "dynamic-serving-ca-secret-namespace", "", "namespace of the serving CA's Secret")
	fs.StringVar(&o.TLSConfig.Dynamic.SecretName, "dynamic-serving-ca-secret-name", "", "name of the serving CA's Secret")
	fs.StringSliceVar(&o.TLSConfig.Dynamic.DNSNames, "dynamic-serving-dns-names", nil, "DNS names of the serving certificate")
	fs.DurationVar(&o.TLSConfig.Dynamic.LeafDuration, "dynamic-serving-leaf-duration", 7*24*time.Hour, "lifetime of the serving certificate")
	fs.StringVar(&o.MetricsListenAddress, "metrics-listen-address", "0.0.0.0:9402", `address of the metrics endpoint ("0": none)`)
}

func runWebhook(ctx context.Context) error {
	webhookOptions.MetricsTLSConfig = shared.TLSConfig{}
	server, err := webhook.NewCertManagerWebhookServer(logf.FromContext(ctx), webhookOptions)
	if err != nil {
		return err
	}
	return server.Run(ctx)
}
