package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/healthz"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/metrics"

	// The controllers the platform's Issuers and Certificates need, which register themselves:
	// Certificates, CertificateRequests signed by a CA, self-signed or by Vault, their approval,
	// and the Issuers' readiness. ACME, Venafi and the ingress and gateway shims are left out.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/vault"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/metrics"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/vault"
)

// The controller's settings, with cert-manager's defaults.
var controllerOptions struct {
	clusterResourceNamespace string
	leaderElection           leaderElectionOptions
	metricsAddress           string
	healthzAddress           string
	acmeSolverImage          string
	maxChallenges            int
	ownerRef                 bool
	workers                  int
}

type leaderElectionOptions struct {
	enabled       bool
	namespace     string
	leaseDuration time.Duration
	renewDeadline time.Duration
	retryPeriod   time.Duration
}

func leaderElectionFlags(fs *pflag.FlagSet, o *leaderElectionOptions) {
	fs.BoolVar(&o.enabled, "leader-elect", true, "take a Lease before working, so that only one replica acts")
	fs.StringVar(&o.namespace, "leader-election-namespace", "kube-system", "namespace of the leader election Lease")
	fs.DurationVar(&o.leaseDuration, "leader-election-lease-duration", 60*time.Second, "lease duration")
	fs.DurationVar(&o.renewDeadline, "leader-election-renew-deadline", 40*time.Second, "renew deadline")
	fs.DurationVar(&o.retryPeriod, "leader-election-retry-period", 15*time.Second, "retry period")
}

func controllerFlags(fs *pflag.FlagSet) {
	o := &controllerOptions
	fs.StringVar(&o.clusterResourceNamespace, "cluster-resource-namespace", "kube-system", "namespace of the Secrets ClusterIssuers refer to")
	leaderElectionFlags(fs, &o.leaderElection)
	fs.StringVar(&o.metricsAddress, "metrics-listen-address", "0.0.0.0:9402", "address of the Prometheus metrics endpoint")
	fs.StringVar(&o.healthzAddress, "healthz-listen-address", "0.0.0.0:9403", "address of /livez")
	// cert-manager's chart always passes these two; ACME is not part of this build.
	fs.StringVar(&o.acmeSolverImage, "acme-http01-solver-image", "", "unused: this build has no ACME issuer")
	fs.IntVar(&o.maxChallenges, "max-concurrent-challenges", 60, "unused: this build has no ACME issuer")
	fs.BoolVar(&o.ownerRef, "enable-certificate-owner-ref", false, "make each Certificate own its Secret, so that deleting it deletes the Secret")
	fs.IntVar(&o.workers, "concurrent-workers", 5, "workers per controller")
}

func runController(ctx context.Context) error {
	o := &controllerOptions
	log := logf.FromContext(ctx)
	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions:      controller.IssuerOptions{ClusterResourceNamespace: o.clusterResourceNamespace},
		CertificateOptions: controller.CertificateOptions{EnableOwnerRef: o.ownerRef},
	})
	if err != nil {
		return err
	}
	base, err := factory.Build()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)

	health := healthz.NewServer(20 * time.Second)
	healthListener, err := net.Listen("tcp", o.healthzAddress)
	if err != nil {
		return err
	}
	g.Go(func() error { return health.Start(ctx, healthListener) })
	if err := serveMetrics(ctx, g, base.Metrics, o.metricsAddress); err != nil {
		return err
	}

	elected := make(chan struct{})
	if o.leaderElection.enabled {
		elector, err := factory.Build("leader-election")
		if err != nil {
			return err
		}
		lost := make(chan error, 1)
		le, err := newLeaderElector(elector, "cert-manager-controller", o.leaderElection, health.LeaderHealthzAdaptor,
			func(context.Context) { close(elected) },
			func() { lost <- errors.New("leader election lost") })
		if err != nil {
			return err
		}
		g.Go(func() error {
			le.Run(ctx)
			select {
			case err := <-lost:
				return err
			default:
				return nil
			}
		})
	} else {
		close(elected)
	}
	select {
	case <-ctx.Done():
		return g.Wait()
	case <-elected:
	}

	for name, build := range controller.Known() {
		c, err := build(factory)
		if err != nil {
			return fmt.Errorf("controller %s: %w", name, err)
		}
		log.Info("starting controller", "controller", name)
		g.Go(func() error { return c.Run(o.workers, ctx) })
	}
	base.SharedInformerFactory.Start(ctx.Done())
	base.KubeSharedInformerFactory.Start(ctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	return g.Wait()
}

func serveMetrics(ctx context.Context, g *errgroup.Group, m *metrics.Metrics, address string) error {
	if address == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	server := m.NewServer(ln)
	g.Go(func() error {
		if err := server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return server.Shutdown(shutdown) //nolint:contextcheck // the root context is done by now
	})
	return nil
}

func newLeaderElector(c *controller.Context, lease string, o leaderElectionOptions, watchdog *leaderelection.HealthzAdaptor,
	started func(context.Context), stopped func()) (*leaderelection.LeaderElector, error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, o.namespace, lease, c.Client.CoreV1(), c.Client.CoordinationV1(),
		resourcelock.ResourceLockConfig{Identity: host, EventRecorder: c.Recorder})
	if err != nil {
		return nil, err
	}
	return leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   o.leaseDuration,
		RenewDeadline:   o.renewDeadline,
		RetryPeriod:     o.retryPeriod,
		ReleaseOnCancel: true,
		Callbacks:       leaderelection.LeaderCallbacks{OnStartedLeading: started, OnStoppedLeading: stopped},
		WatchDog:        watchdog,
	})
}
