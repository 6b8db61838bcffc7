package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The metrics port under attack: clients that start a request and never finish it. */
class MetricsPortTest {

  /** Prometheus' default scrape timeout: an answer later than this is a failed scrape. */
  private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(10);

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void clientsThatNeverFinishTheirRequest_doNotKeepScrapesWaiting() throws Exception {
    Telemetry telemetry = closer.add(Telemetry.open(0, TraceExport.OFF));
    // One each for the exporter's ten threads, one for the thread that hands requests to them
    // (it waits for a free one), and one waiting to be accepted: all the port takes at once.
    for (int client = 0; client < 12; client++) {
      Socket stalled = closer.add(new Socket("localhost", telemetry.port()));
      stalled
          .getOutputStream()
          .write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      stalled.getOutputStream().flush();
    }
    // The attack holds: a scrape is not answered at once.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> statusLine(telemetry.port(), Duration.ofMillis(200)) == null);

    assertThat(statusLine(telemetry.port(), SCRAPE_TIMEOUT))
        .as("a scrape's answer within %s", SCRAPE_TIMEOUT)
        .isEqualTo("HTTP/1.1 200 OK");
  }

  /**
   * The status line answering {@code GET /metrics}; null if connecting or the answer took longer
   * than {@code timeout}.
   */
  private static String statusLine(int port, Duration timeout) throws IOException {
    try (Socket prometheus = new Socket()) {
      prometheus.connect(new InetSocketAddress("localhost", port), (int) timeout.toMillis());
      prometheus.setSoTimeout((int) timeout.toMillis());
      prometheus
          .getOutputStream()
          .write(
              "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(
              new InputStreamReader(prometheus.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    } catch (SocketTimeoutException e) {
      return null;
    }
  }
}
