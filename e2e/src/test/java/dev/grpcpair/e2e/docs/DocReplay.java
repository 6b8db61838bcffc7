package dev.grpcpair.e2e.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.e2e.MachineEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;

/**
 * Runs the docs' commands as a user runs them (bash, from the project's root unless told otherwise,
 * the real curl, node and java; {@code grpcurl} as {@link GrpcurlOnPath} gives it) and compares
 * what they print with what the docs show. The docs' ports are the servers' defaults; servers under
 * test take free ones, so each documented port is read as the real one in commands and outputs
 * alike. A value that an earlier command of the page printed and a later one types (a page token)
 * is taken from the earlier command's real output.
 */
public final class DocReplay implements AutoCloseable {

  /** The project's root. */
  public static final Path ROOT = Path.of(System.getProperty("projectRoot")).normalize();

  private final GrpcurlOnPath grpcurl;
  private final Map<Integer, Integer> ports = new LinkedHashMap<>();
  private Path directory = ROOT;

  /** {@code bin}: an empty folder of the test's, for the {@code grpcurl} it runs. */
  public DocReplay(Path bin) throws IOException {
    grpcurl = new GrpcurlOnPath(bin);
  }

  /** Every transcript of the docs, read once. */
  public static final List<DocTranscript> ALL = DocTranscript.readAll(ROOT);

  /** The transcripts of {@code page} (e.g. {@code docs/paging.md}), in its order. */
  public static List<DocTranscript> page(String page) {
    List<DocTranscript> transcripts = ALL.stream().filter(t -> t.page().equals(page)).toList();
    assertThat(transcripts).as("commands shown on %s", page).isNotEmpty();
    return transcripts;
  }

  /** The command of {@code page} that starts with {@code start}. */
  public static DocTranscript command(String page, String start) {
    return page(page).stream()
        .filter(transcript -> transcript.command().startsWith(start))
        .findFirst()
        .orElseThrow(() -> new AssertionError(page + " shows no command starting " + start));
  }

  /** Reads the documented {@code port} as {@code real}. */
  public DocReplay port(int documented, int real) {
    ports.put(documented, real);
    return this;
  }

  /** The real port read for the documented {@code port}. */
  public int real(int documented) {
    return ports.get(documented);
  }

  /** Runs the commands in {@code directory} instead of the project's root. */
  public DocReplay in(Path directory) {
    this.directory = directory;
    return this;
  }

  /**
   * {@code text} with each documented port ({@code :9000}, {@code port 9000}, {@code
   * --metrics-port=9465}) the real one.
   */
  public String withPorts(String text) {
    for (Map.Entry<Integer, Integer> port : ports.entrySet()) {
      text = text.replaceAll("(?<=[:= ])" + port.getKey() + "\\b", port.getValue().toString());
    }
    return text;
  }

  /**
   * Runs each transcript's command and checks that it prints what the docs show, or, for a command
   * shown without output, that it succeeds. Reports every difference, not just the first.
   */
  public void assertReplays(List<DocTranscript> transcripts) throws Exception {
    SoftAssertions softly = new SoftAssertions();
    Map<String, String> typed = new HashMap<>();
    String page = "";
    for (DocTranscript transcript : transcripts) {
      if (!transcript.page().equals(page)) {
        page = transcript.page();
        typed.clear();
      }
      String command = withPorts(transcript.command());
      for (Map.Entry<String, String> value : typed.entrySet()) {
        command = command.replace(value.getKey(), value.getValue());
      }
      String shown = withPorts(transcript.shown());
      Ran ran = run(command);
      if (shown.isEmpty()) {
        // Shown for what it does, not for what it prints (the servers' log lines, say).
        softly
            .assertThat(ran.exitCode())
            .as("%s%n--- it printed:%n%s", transcript, ran.output)
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

  /** What a command exited with and printed (standard output and error, as a terminal shows). */
  public record Ran(int exitCode, String output) {}

  /**
   * Runs {@code command} with bash, its standard input empty; one still running after a minute is
   * killed, and fails the test.
   */
  public Ran run(String command) throws Exception {
    Path output = Files.createTempFile("doc-command", ".out");
    try {
      ProcessBuilder builder =
          new ProcessBuilder("bash", "-c", command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      MachineEnvironment.keepOnly(builder.environment());
      builder
          .environment()
          .put("PATH", grpcurl.directory + ":" + builder.environment().get("PATH"));
      Process process = builder.start();
      process.getOutputStream().close();
      boolean exited = process.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      String printed = Files.readString(output).strip();
      assertThat(exited)
          .as("%s%n--- still running after a minute, having printed:%n%s", command, printed)
          .isTrue();
      return new Ran(process.exitValue(), printed);
    } finally {
      Files.delete(output);
    }
  }

  @Override
  public void close() throws IOException {
    grpcurl.close();
  }
}
