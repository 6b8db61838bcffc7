package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.LogCapture;
import java.io.IOException;
import java.net.ConnectException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenTelemetryLogTest {

  // Each test logs as a logger of its own: the lines a second are counted per logger.
  private static final Logger EXPORTER =
      Logger.getLogger("io.opentelemetry.exporter.internal.grpc.GrpcExporter");
  private static final Logger PROCESSOR =
      Logger.getLogger("io.opentelemetry.sdk.trace.export.BatchSpanProcessor");

  @BeforeAll
  static void install() {
    OpenTelemetryLog.install();
  }

  @Test
  void aFailedExport_isOneLineEndingWithTheRootCause() {
    try (LogCapture capture = LogCapture.start()) {
      EXPORTER.log(
          Level.SEVERE,
          "Failed to export 512 spans. The request could not be executed.",
          new IOException(
              "Failed to connect to /127.0.0.1:4317", new ConnectException("Connection refused")));

      assertThat(capture.text())
          .contains(
              "[WARN] GrpcExporter - Failed to export 512 spans. The request could not be"
                  + " executed. (cause: java.net.ConnectException: Connection refused)")
          .doesNotContain("\tat ", "IOException");
      assertThat(capture.text().lines()).hasSize(1);
    }
  }

  @Test
  void aScrapeWhoseClientLeft_isOneLineEndingWithTheRootCause() {
    Logger metricsServer =
        Logger.getLogger("io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter");
    try (LogCapture capture = LogCapture.start()) {
      for (int i = 0; i < 100; i++) {
        metricsServer.log(
            Level.SEVERE,
            "The Prometheus metrics HTTPServer caught an Exception while trying to send the"
                + " metrics response.",
            new IOException("stream is closed"));
      }

      assertThat(capture.text())
          .contains(
              "[WARN] HttpExchangeAdapter - The Prometheus metrics HTTPServer caught an Exception"
                  + " while trying to send the metrics response. (cause: java.io.IOException:"
                  + " stream is closed)")
          .doesNotContain("\tat ");
      assertThat(capture.text().lines()).hasSize(1);
    }
  }

  @Test
  void failuresInABurst_areOneLineASecond_theOthersCountedInTheNext() {
    try (LogCapture capture = LogCapture.start()) {
      for (int i = 0; i < 100; i++) {
        PROCESSOR.log(Level.WARNING, "Exporter failed {0}", i);
      }

      assertThat(capture.text()).contains("[WARN] BatchSpanProcessor - Exporter failed 0");
      assertThat(capture.text().lines()).hasSize(1);
    }
  }
}
