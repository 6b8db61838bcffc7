package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Closer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser page the gateway serves at {@code /}: its script, with the gRPC-Web stubs generated
 * from the protos, run by Node against the page's elements ({@code drive-page.mjs}), asks the real
 * User and Post servers through the gateway.
 */
class BrowserPageTest {

  @RegisterExtension final Closer closer = new Closer();
  @TempDir Path dir;
  private GatewayClient gateway;

  @BeforeEach
  void setUp() throws Exception {
    gateway = GatewayClient.inFrontOfThePair(closer);
  }

  /** What the page shows for {@code userId}: its status line, then the result's text. */
  private String drive(String userId) throws IOException, InterruptedException {
    Path script = dir.resolve("drive-page.mjs");
    try (var in = BrowserPageTest.class.getResourceAsStream("/drive-page.mjs")) {
      Files.write(script, in.readAllBytes());
    }
    Process node =
        new ProcessBuilder(
                "node", script.toString(), "http://localhost:" + gateway.gateway().port(), userId)
            .redirectErrorStream(true)
            .start();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
    return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void thePage_isServedWithItsScript() throws Exception {
    HttpResponse<String> page = gateway.get("/");
    HttpResponse<String> script = gateway.get("/app.js");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<script src=\"app.js\"></script>", "id=\"result\"");
    assertThat(script.headers().firstValue("content-type"))
        .hasValue("text/javascript; charset=utf-8");
    assertThat(script.body()).contains("v2.user.User", "v1.post.Post");
  }

  @Test
  void thePagesScript_showsAUserAndTheirPosts_overGrpcWeb() throws Exception {
    String shown = drive("3");

    assertThat(shown)
        .startsWith("ok\n")
        .contains("\"name\": \"Jessie\"")
        .contains("\"2020.10.25 일기\"");
  }

  @Test
  void thePagesScript_showsTheServersError() throws Exception {
    String shown = drive("99");

    assertThat(shown).startsWith("error\n").contains("user \"99\" does not exist");
  }
}
