package main

import (
	"context"

	"github.com/spf13/pflag"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller/cainjector"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"
)

var cainjectorOptions struct {
	leaderElection leaderElectionOptions
	metricsAddress string
}

func cainjectorFlags(fs *pflag.FlagSet) {
	leaderElectionFlags(fs, &cainjectorOptions.leaderElection)
	fs.StringVar(&cainjectorOptions.metricsAddress, "metrics-listen-address", "0.0.0.0:9402", `address of the metrics endpoint ("0": none)`)
}

// runCAInjector copies CA certificates into the webhook configurations, API services and CRDs
// that ask for them by annotation.
func runCAInjector(ctx context.Context) error {
	o := &cainjectorOptions
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))
	utilruntime.Must(admissionregistrationv1.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	utilruntime.Must(apiregistrationv1.AddToScheme(scheme))
	utilruntime.Must(cmapi.AddToScheme(scheme))
	ctrl.SetLogger(logf.FromContext(ctx))
	config, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	// The field manager of its apply patches comes from the user agent.
	config = util.RestConfigWithUserAgent(config, "cainjector")
	lease := o.leaderElection.leaseDuration
	renew := o.leaderElection.renewDeadline
	retry := o.leaderElection.retryPeriod
	manager, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                        scheme,
		LeaderElection:                o.leaderElection.enabled,
		LeaderElectionNamespace:       o.leaderElection.namespace,
		LeaderElectionID:              "cert-manager-cainjector-leader-election",
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &lease,
		RenewDeadline:                 &renew,
		RetryPeriod:                   &retry,
		Metrics:                       metricsserver.Options{BindAddress: o.metricsAddress},
		// Secrets are read when needed, never cached whole (only their metadata is watched).
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		return err
	}
	err = cainjector.RegisterAllInjectors(ctx, manager, cainjector.SetupOptions{
		EnableCertificatesDataSource: true,
		EnabledReconcilersFor: map[string]bool{
			cainjector.MutatingWebhookConfigurationName:   true,
			cainjector.ValidatingWebhookConfigurationName: true,
			cainjector.APIServiceName:                     true,
			cainjector.CustomResourceDefinitionName:       true,
		},
	})
	if err != nil {
		return err
	}
	return manager.Start(ctx)
}
