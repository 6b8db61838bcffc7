package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The metrics port under attack: what clients can make it hold. */
class MetricsPortTest {

  /** Prometheus' default scrape timeout: an answer later than this is a failed scrape. */
  private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(10);

  private static final String OK = "HTTP/1.1 200 OK";

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void clientsThatNeverFinishTheirRequest_doNotKeepScrapesWaiting() throws Exception {
    Telemetry telemetry = closer.add(Telemetry.open(0, TraceExport.OFF));
    // One each for the exporter's ten threads, one for the thread that hands requests to them
    // (it waits for a free one), and one waiting to be accepted: all the port takes at once.
    for (int client = 0; client < 12; client++) {
      Socket stalled = closer.add(connect(telemetry.port(), SCRAPE_TIMEOUT));
      stalled
          .getOutputStream()
          .write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    // The attack holds: a scrape is not answered at once.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> scrape(telemetry.port(), Duration.ofMillis(200)) == null);

    assertThat(scrape(telemetry.port(), SCRAPE_TIMEOUT))
        .as("a scrape's answer within %s", SCRAPE_TIMEOUT)
        .isEqualTo(OK);
  }

  @Test
  void connectionsPastTheLimit_areClosedUnanswered_theOthersAreServed() throws Exception {
    Telemetry telemetry = closer.add(Telemetry.open(0, TraceExport.OFF));
    int limit = Integer.parseInt(Telemetry.MAX_CONNECTIONS);
    List<Socket> clients = new ArrayList<>();
    for (int client = 0; client < limit + 10; client++) {
      clients.add(closer.add(connect(telemetry.port(), SCRAPE_TIMEOUT)));
    }

    // Those past the limit are closed as they are accepted, before any connection has a request
    // answered (an answered one is closed, and makes room).
    for (Socket past : clients.subList(limit, clients.size())) {
      assertThat(closedByServer(past)).isTrue();
    }
    List<String> answers = new ArrayList<>();
    for (Socket kept : clients.subList(0, limit)) {
      answers.add(scrape(kept));
    }

    assertThat(answers).containsOnly(OK);
  }

  /** Whether the server closed {@code connection} (within its timeout). */
  private static boolean closedByServer(Socket connection) throws IOException {
    try {
      return connection.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  private static Socket connect(int port, Duration timeout) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("localhost", port), (int) timeout.toMillis());
    socket.setSoTimeout((int) timeout.toMillis());
    return socket;
  }

  /** {@link #scrape(Socket)} over a new connection; null if connecting took longer. */
  private static String scrape(int port, Duration timeout) throws IOException {
    try (Socket prometheus = connect(port, timeout)) {
      return scrape(prometheus);
    } catch (SocketTimeoutException e) {
      return null;
    }
  }

  /**
   * The status line answering {@code GET /metrics} over {@code connection}; null if none came
   * within its timeout, "closed" if the server closed it unanswered.
   */
  private static String scrape(Socket connection) throws IOException {
    try {
      connection
          .getOutputStream()
          .write(
              "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String statusLine =
          new BufferedReader(
                  new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      return statusLine == null ? "closed" : statusLine;
    } catch (SocketTimeoutException e) {
      return null;
    } catch (SocketException reset) {
      return "closed";
    }
  }
}
