package dev.grpcpair.common.observability;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * The OpenTelemetry SDK's own log lines, and those of the Prometheus HTTP server its metrics
 * exporter runs, one line each. Both log through java.util.logging with the exception's stack
 * trace: the SDK's exporter each export that failed (with the collector down or unreachable, about
 * twenty lines every thirteen seconds, the time its retries take, for as long as the collector
 * stays away), the metrics server each scrape whose client left before its answer was written
 * (about twenty-five lines a connection: a client of the metrics port could fill the disk). Here
 * each record becomes one line that ends with the exception's root cause ({@code
 * java.net.ConnectException: Connection refused}), at most one a second per logger ({@link
 * RateLimitedLog}); the spans that could not wait are counted in the metrics.
 *
 * <p>It listens to {@code io.opentelemetry} and {@code io.prometheus}, the libraries' public
 * package roots, not to the classes that log today: another exporter, or the same one moved, is
 * covered as well.
 */
final class OpenTelemetryLog extends Handler {

  /** Held here: java.util.logging keeps its loggers (and their handlers) only weakly. */
  private static final java.util.logging.Logger SDK =
      java.util.logging.Logger.getLogger("io.opentelemetry");

  private static final java.util.logging.Logger METRICS_SERVER =
      java.util.logging.Logger.getLogger("io.prometheus");

  /** The SDK's loggers are a few classes'; past this, they share one line a second. */
  private static final int MAX_SOURCES = 16;

  private static final OpenTelemetryLog INSTANCE = new OpenTelemetryLog();

  /** A line a second for each of the SDK's loggers, written as that logger. */
  private final RateLimitedLog.Kinds sources =
      new RateLimitedLog.Kinds(
          MAX_SOURCES, LoggerFactory::getLogger, LoggerFactory.getLogger(SDK.getName()));

  private OpenTelemetryLog() {}

  /** Starts listening; once per process, whatever the number of SDKs. */
  static synchronized void install() {
    for (java.util.logging.Logger library : List.of(SDK, METRICS_SERVER)) {
      if (library.getUseParentHandlers()) {
        library.setUseParentHandlers(false);
        library.addHandler(INSTANCE);
      }
    }
  }

  @Override
  public void publish(LogRecord record) {
    sources.publish(String.valueOf(record.getLoggerName()), record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
