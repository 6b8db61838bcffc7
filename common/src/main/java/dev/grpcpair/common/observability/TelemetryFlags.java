package dev.grpcpair.common.observability;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.InvalidConfigException;
import dev.grpcpair.common.config.PortConverter;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * Metrics and traces, alike in every process (a picocli mixin; see {@link Flags}). The trace flags
 * are OpenTelemetry's standard variables under their own names ({@code --otel-traces-sampler} reads
 * {@code OTEL_TRACES_SAMPLER}), so a deployment configured for any OpenTelemetry SDK works
 * unchanged; the SDK reads the other {@code OTEL_*} variables (headers, queue sizes) itself.
 */
public final class TelemetryFlags implements Flags.Checked {

  private static final Set<String> SAMPLERS =
      Set.of(
          "always_on",
          "always_off",
          "traceidratio",
          "parentbased_always_on",
          "parentbased_always_off",
          "parentbased_traceidratio");

  @Option(
      names = "--metrics-port",
      converter = PortConverter.class,
      description = "Serve Prometheus metrics at http://0.0.0.0:PORT/metrics (0: any free port).")
  Integer metricsPort;

  @Option(
      names = "--otel-exporter-otlp-endpoint",
      paramLabel = "URL",
      description =
          "Export traces over OTLP/gRPC to this collector (e.g. http://localhost:4317); unset: no"
              + " traces.")
  String endpoint;

  @Option(
      names = "--otel-traces-sampler",
      defaultValue = "parentbased_traceidratio",
      description =
          "Which calls to trace: parentbased_traceidratio follows the caller's choice, else"
              + " samples --otel-traces-sampler-arg of new traces; also always_on, always_off,"
              + " traceidratio, parentbased_always_on, parentbased_always_off.")
  String sampler;

  @Option(
      names = "--otel-traces-sampler-arg",
      defaultValue = "1.0",
      description = "The share of new traces sampled (0 to 1), for the ratio samplers.")
  double samplerArg;

  @Option(
      names = "--otel-service-name",
      description = "service.name of the spans; unset: the server's name.")
  String serviceName;

  @Option(
      names = "--otel-resource-attributes",
      paramLabel = "KEY=VALUE,...",
      description =
          "More attributes of the process' spans (deployment.environment.name=prod, ...);"
              + " service.instance.id defaults to --replica-name, else host:port.")
  String resourceAttributes;

  @Override
  public void check() {
    if (endpoint() != null) {
      checkEndpoint();
    }
    if (!SAMPLERS.contains(sampler)) {
      throw new InvalidConfigException(
          "--otel-traces-sampler takes one of "
              + String.join(", ", SAMPLERS.stream().sorted().toList())
              + ", not '"
              + sampler
              + "'");
    }
    if (!(samplerArg >= 0 && samplerArg <= 1)) {
      throw new InvalidConfigException(
          "--otel-traces-sampler-arg takes a share between 0 and 1, not " + samplerArg);
    }
    if (resourceAttributes() != null) {
      for (String entry : resourceAttributes().split(",")) {
        if (entry.indexOf('=') < 1) {
          throw new InvalidConfigException(
              "--otel-resource-attributes takes key=value pairs, comma-separated, not '"
                  + entry
                  + "'");
        }
      }
    }
  }

  private void checkEndpoint() {
    URI uri;
    try {
      uri = new URI(endpoint());
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null
        || uri.getHost() == null
        || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new InvalidConfigException(
          "--otel-exporter-otlp-endpoint takes a URL such as http://collector:4317, not '"
              + endpoint()
              + "'");
    }
  }

  /**
   * Serves metrics if {@code --metrics-port} is set and exports traces if an endpoint is, as {@code
   * service} (unless {@code --otel-service-name} says otherwise) listening on {@code port}. The
   * spans' {@code service.instance.id} is {@code replica} if given, else this host's name and the
   * port: a pod's or a container's name, where they run.
   */
  public Telemetry open(String service, String replica, int port) {
    if (endpoint() == null) {
      return Telemetry.open(metricsPort, TraceExport.OFF);
    }
    String instance = replica != null ? replica : hostName() + (port == 0 ? "" : ":" + port);
    return Telemetry.open(
        metricsPort,
        new TraceExport(
            endpoint(),
            sampler,
            Double.toString(samplerArg),
            serviceName() == null ? service : serviceName(),
            resourceAttributes(),
            instance));
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  private String endpoint() {
    return blankToNull(endpoint);
  }

  private String serviceName() {
    return blankToNull(serviceName);
  }

  private String resourceAttributes() {
    return blankToNull(resourceAttributes);
  }

  /** A flag set blank (an empty variable in a compose file, say) counts as unset. */
  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
