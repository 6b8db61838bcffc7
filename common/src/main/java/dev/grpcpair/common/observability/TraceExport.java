package dev.grpcpair.common.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.resources.Resource;
import java.util.HashMap;
import java.util.Map;

/**
 * Where and how a process exports its spans, in OpenTelemetry's own terms: {@code endpoint} is
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (null: no traces), {@code sampler} and {@code samplerArg}
 * {@code OTEL_TRACES_SAMPLER} and its argument, {@code resourceAttributes} {@code
 * OTEL_RESOURCE_ATTRIBUTES}. {@code replica} becomes {@code service.instance.id} unless those name
 * one.
 */
public record TraceExport(
    String endpoint,
    String sampler,
    String samplerArg,
    String serviceName,
    String resourceAttributes,
    String replica) {

  /** No traces. */
  public static final TraceExport OFF = new TraceExport(null, null, null, null, null, null);

  private static final AttributeKey<String> SERVICE_INSTANCE_ID =
      AttributeKey.stringKey("service.instance.id");

  public boolean on() {
    return endpoint != null;
  }

  /**
   * What the SDK does unless an {@code OTEL_*} variable says otherwise: OTLP over gRPC (the SDK's
   * default is over HTTP), W3C {@code traceparent} and {@code tracestate} only (the SDK's default
   * also reads a {@code baggage} header on every call, which nothing here uses), metrics for
   * Prometheus to scrape (not pushed), no logs.
   */
  static Map<String, String> defaults() {
    return Map.of(
        "otel.exporter.otlp.protocol", "grpc",
        "otel.propagators", "tracecontext",
        "otel.metrics.exporter", "none",
        "otel.logs.exporter", "none");
  }

  /** The settings that override the environment's: the flags' (which fall back on it). */
  Map<String, String> properties() {
    Map<String, String> properties = new HashMap<>();
    properties.put("otel.traces.exporter", on() ? "otlp" : "none");
    put(properties, "otel.exporter.otlp.endpoint", endpoint);
    put(properties, "otel.traces.sampler", sampler);
    put(properties, "otel.traces.sampler.arg", samplerArg);
    put(properties, "otel.service.name", serviceName);
    put(properties, "otel.resource.attributes", resourceAttributes);
    return properties;
  }

  Resource withReplica(Resource resource) {
    if (replica == null || resource.getAttribute(SERVICE_INSTANCE_ID) != null) {
      return resource;
    }
    return resource.merge(Resource.create(Attributes.of(SERVICE_INSTANCE_ID, replica)));
  }

  private static void put(Map<String, String> properties, String key, String value) {
    if (value != null) {
      properties.put(key, value);
    }
  }
}
