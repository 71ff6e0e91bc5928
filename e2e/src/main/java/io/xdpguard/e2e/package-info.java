/**
 * The end-to-end harness: a dev API server standing in for kube-apiserver, the simulated cluster (network
 * namespaces as nodes) behind the demo and the e2e tests, and the control-plane benchmarks. Not shipped.
 */
package io.xdpguard.e2e;
