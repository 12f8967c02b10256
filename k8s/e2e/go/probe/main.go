// Command probe tries to open each connection named on its command line and prints one JSON line
// per target: {"target": ..., "open": true|false, "error": ...}. The e2e harness runs it inside
// pods (as an ephemeral container, which shares the pod's network identity) to measure what the
// NetworkPolicies let through.
//
//	probe [-timeout 3s] [-delay 0s] [-until-refused 0s] name=host:port/tcp name=host:port/dns ...
//
// tcp: open means the TCP handshake completed. dns: open means a DNS query over UDP got an answer.
// With -until-refused, each target is tried again every 100ms until it is refused or the time is
// up; its line then also says after how many milliseconds ("refused_after_ms"), which measures how
// long a new pod goes unfenced before its NetworkPolicies are in force.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

type result struct {
	Target         string `json:"target"`
	Open           bool   `json:"open"`
	Error          string `json:"error,omitempty"`
	RefusedAfterMs *int64 `json:"refused_after_ms,omitempty"`
}

func main() {
	timeout := flag.Duration("timeout", 3*time.Second, "how long to wait for each connection")
	delay := flag.Duration("delay", 0, "how long to wait before the first connection")
	untilRefused := flag.Duration("until-refused", 0, "retry each target until it is refused, for at most this long")
	flag.Parse()
	time.Sleep(*delay)
	started := time.Now()
	results := make([]result, flag.NArg())
	var wg sync.WaitGroup
	for i, arg := range flag.Args() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = probe(arg, *timeout)
			for results[i].Open && time.Since(started) < *untilRefused {
				time.Sleep(100 * time.Millisecond)
				results[i] = probe(arg, *timeout)
			}
			if *untilRefused > 0 && !results[i].Open {
				ms := time.Since(started).Milliseconds()
				results[i].RefusedAfterMs = &ms
			}
		}()
	}
	wg.Wait()
	out := json.NewEncoder(os.Stdout)
	for _, r := range results {
		_ = out.Encode(r)
	}
}

func probe(arg string, timeout time.Duration) result {
	name, rest, ok := strings.Cut(arg, "=")
	address, kind, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return result{Target: arg, Error: "want name=host:port/tcp|dns"}
	}
	r := result{Target: name}
	var err error
	switch kind {
	case "tcp":
		err = dialTCP(address, timeout)
	case "dns":
		err = queryDNS(address, timeout)
	default:
		err = fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		r.Error = err.Error()
	} else {
		r.Open = true
	}
	return r
}

func dialTCP(address string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", address, timeout)
	if err != nil {
		return err
	}
	return conn.Close()
}

// queryDNS sends one query (the A record of "kubernetes.default.svc.cluster.local.") and waits
// for any answer with the same id.
func queryDNS(address string, timeout time.Duration) error {
	conn, err := net.DialTimeout("udp", address, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	query := []byte{0x4e, 0x2d, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}
	for _, label := range strings.Split("kubernetes.default.svc.cluster.local", ".") {
		query = append(query, byte(len(label)))
		query = append(query, label...)
	}
	query = append(query, 0x00, 0x00, 0x01, 0x00, 0x01)
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := conn.Write(query); err != nil {
		return err
	}
	answer := make([]byte, 512)
	n, err := conn.Read(answer)
	if err != nil {
		return err
	}
	if n < 2 || answer[0] != query[0] || answer[1] != query[1] {
		return fmt.Errorf("unexpected answer")
	}
	return nil
}
