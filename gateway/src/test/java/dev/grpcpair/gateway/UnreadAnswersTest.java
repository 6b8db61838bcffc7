package dev.grpcpair.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 clients whose streams' windows stay at 0: every answer they ask for waits in the gateway's
 * heap. Unbounded, ten such connections asking for pages of posts filled it for good.
 */
class UnreadAnswersTest {

  private static final String PAGE = "/v2/users?page_size=1000";
  private static final int PER_CONNECTION = 262_144;

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void aConnectionThatNeverReads_isAnswered429PastItsBytes_othersAreServed() throws Exception {
    GrpcServer users =
        closer.add(
            UserServer.start(UserServerConfig.parse("--port=0", "--generate-dataset=2000:0")));
    GatewayClient gateway =
        GatewayClient.inFrontOf(
            users.port(),
            closer,
            "--max-unread-bytes-per-connection=" + PER_CONNECTION,
            "--max-unread-bytes=1048576");
    int pageBytes = gateway.get(PAGE).body().getBytes(UTF_8).length;
    assertThat(pageBytes).isBetween(PER_CONNECTION / 5, PER_CONNECTION / 2);

    try (LogCapture log = LogCapture.start();
        RawHttp2Client stalled = RawHttp2Client.neverReading(gateway.gateway().port())) {
      List<Integer> streams = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        streams.add(stalled.request("GET", PAGE, "accept", "application/json", true));
      }
      stalled.flush();
      stalled.readHeadersOf(streams, Duration.ofSeconds(10)); // every answer made, none read

      // Meanwhile a client that reads is answered, pages included.
      HttpResponse<String> page = gateway.get(PAGE);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body().getBytes(UTF_8)).hasSize(pageBytes);

      for (int stream : streams) {
        stalled.windowUpdate(stream, 1 << 20);
      }
      stalled.openConnectionWindow();
      stalled.flush();
      assertThat(stalled.readEndings(20, Duration.ofSeconds(10)))
          .noneMatch(RawHttp2Client.Ending::reset);
      await().atMost(Duration.ofSeconds(10)).until(() -> answered(log, "") == 21);
      int held = answered(log, "OK") - 1; // the reader's page
      assertThat(held)
          .as("pages held for the connection, within its bytes")
          .isBetween(1, PER_CONNECTION / pageBytes);
      assertThat(answered(log, "RESOURCE_EXHAUSTED"))
          .as("the others answered 429")
          .isEqualTo(20 - held);
    }
  }

  /** The gateway's access-log lines for pages (not the User server's), ending {@code code}. */
  private static int answered(LogCapture log, String code) {
    Matcher matcher =
        Pattern.compile(
                "\\[gateway-http-[^]]*] \\[INFO] access - v2\\.user\\.User/ListUsers " + code)
            .matcher(log.text());
    int found = 0;
    while (matcher.find()) {
      found++;
    }
    return found;
  }
}
