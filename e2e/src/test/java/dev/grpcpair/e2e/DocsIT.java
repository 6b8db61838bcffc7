package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Closer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command the docs show, run as a user runs it (bash, from the project's root, the real curl,
 * node and java), against servers started as the docs start them, and compared with the output the
 * docs show under it. The docs' ports are the servers' defaults; each server here takes a free one,
 * and the commands and outputs are read with the real ports in their place. A value shown by an
 * earlier command of the page and typed into a later one (a page token) is taken from the earlier
 * command's real output.
 *
 * <p>{@code grpcurl} is {@link Grpcurl}, the project's stand-in, unless {@code -Dgrpcurl=PATH}
 * names a real one.
 */
class DocsIT {

  private static final Path ROOT = Path.of(System.getProperty("projectRoot")).normalize();

  /** The pages whose commands call a default pair (with the gateway), in the order replayed. */
  private static final List<String> PAIR_PAGES =
      List.of(
          // First: its metrics count the calls made on that page only.
          "docs/observability.md",
          "README.md",
          "docs/calling.md",
          "docs/gateway.md",
          "docs/paging.md",
          "docs/streaming.md");

  private static final Pattern METRICS_PORT = Pattern.compile("metrics on port (\\d+)");

  @RegisterExtension final Closer closer = new Closer();

  @TempDir Path bin;
  private GrpcurlOnPath grpcurl;

  @Test
  void pairPages_everyCommandPrintsWhatTheDocsShow() throws Exception {
    JarProcess user = start("userServerJar", "--port=0");
    int userPort = user.awaitPort();
    JarProcess post =
        start(
            "postServerJar", "--port=0", "--user-target=localhost:" + userPort, "--metrics-port=0");
    int postPort = post.awaitPort();
    Matcher metrics = METRICS_PORT.matcher(post.output());
    assertThat(metrics.find()).as(post.output()).isTrue();
    JarProcess gateway =
        start(
            "gatewayJar",
            "--port=0",
            "--user-target=localhost:" + userPort,
            "--post-target=localhost:" + postPort);
    Map<Integer, Integer> ports = new LinkedHashMap<>();
    ports.put(9000, userPort);
    ports.put(9001, postPort);
    ports.put(8080, gateway.awaitPort());
    ports.put(9465, Integer.parseInt(metrics.group(1)));

    List<DocTranscript> transcripts = new ArrayList<>();
    for (String page : PAIR_PAGES) {
      DocTranscript.readAll(ROOT).stream()
          .filter(transcript -> transcript.page().equals(page))
          .filter(transcript -> !transcript.command().equals("./run-pair.sh"))
          .forEach(transcripts::add);
    }
    assertReplays(transcripts, ports);
  }

  @Test
  void configurationPage_aBadValueIsOneLine() throws Exception {
    assertReplays(pageTranscripts("docs/configuration.md"), Map.of());
  }

  private List<DocTranscript> pageTranscripts(String page) {
    return DocTranscript.readAll(ROOT).stream()
        .filter(transcript -> transcript.page().equals(page))
        .toList();
  }

  private void assertReplays(List<DocTranscript> transcripts, Map<Integer, Integer> ports)
      throws Exception {
    assertThat(transcripts).isNotEmpty();
    SoftAssertions softly = new SoftAssertions();
    Map<String, String> typed = new HashMap<>();
    String page = "";
    for (DocTranscript transcript : transcripts) {
      if (!transcript.page().equals(page)) {
        page = transcript.page();
        typed.clear();
      }
      String command = withPorts(transcript.command(), ports);
      for (Map.Entry<String, String> value : typed.entrySet()) {
        command = command.replace(value.getKey(), value.getValue());
      }
      String shown = withPorts(transcript.shown(), ports);
      Ran ran = run(command);
      if (shown.isEmpty()) {
        // Shown for what it does, not for its output (the servers' log lines, say): it succeeds.
        softly
            .assertThat(ran.exitCode())
            .as("%s%n--- it printed:%n%s", transcript, ran.output())
            .isZero();
        continue;
      }
      softly
          .assertThat(ShownOutput.same(shown, ran.output()))
          .as("%s%n--- the docs show:%n%s%n--- it printed:%n%s", transcript, shown, ran.output())
          .isTrue();
      typed.putAll(ShownOutput.changedValues(shown, ran.output()));
    }
    softly.assertAll();
  }

  /** The docs' default ports ({@code :9000}) replaced with the real ones. */
  private static String withPorts(String text, Map<Integer, Integer> ports) {
    for (Map.Entry<Integer, Integer> port : ports.entrySet()) {
      text = text.replaceAll(":" + port.getKey() + "\\b", ":" + port.getValue());
    }
    return text;
  }

  private record Ran(int exitCode, String output) {}

  private Ran run(String command) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder("bash", "-c", command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true);
    MachineEnvironment.keepOnly(builder.environment());
    builder.environment().put("PATH", grpcurl() + ":" + builder.environment().get("PATH"));
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(command).isTrue();
    return new Ran(process.exitValue(), new String(output, StandardCharsets.UTF_8).strip());
  }

  private Path grpcurl() throws IOException {
    if (grpcurl == null) {
      grpcurl = closer.add(new GrpcurlOnPath(bin));
    }
    return grpcurl.directory;
  }

  private JarProcess start(String jarProperty, String... args) throws Exception {
    return closer.add(JarProcess.start(List.of(), JarProcess.SHIPPED, jarProperty, Map.of(), args));
  }
}
