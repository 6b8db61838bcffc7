/**
 * What lets an operator see calls: one access-log line per call, the {@code x-request-id} that
 * follows a request through both servers, the {@code x-served-by} replica name, and grpc's
 * OpenTelemetry metrics served to Prometheus.
 */
package dev.grpcpair.common.observability;
