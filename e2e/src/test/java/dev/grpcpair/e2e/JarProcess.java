package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server jar started as users start it ({@code java [options] -jar}) and everything it has
 * printed so far. Closing it kills whatever a test left running.
 */
final class JarProcess implements AutoCloseable {

  /** The launch configuration the servers ship with, as {@code run-pair.sh} and images use it. */
  static final List<String> SHIPPED =
      List.of("@" + Path.of(System.getProperty("projectRoot"), "deploy", "jvm.options"));

  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
  // A server starts in about a second; beside another build's containers and JVMs one took over
  // 30 s. A server that fails to start exits, and the wait ends there.
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Thread reader;
  private final Semaphore reading = new Semaphore(1);

  private JarProcess(Process process) {
    this.process = process;
    reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.append(line).append('\n');
                  reading.acquireUninterruptibly(); // held by stopReading()
                  reading.release();
                }
              } catch (IOException e) {
                output.append("<output unreadable: ").append(e).append(">\n");
              }
            },
            "jar-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * {@code ./run-pair.sh} in a process group of its own ({@code setsid}), as a terminal runs it:
   * the three jars, their lines labelled. {@code SKIP_BUILD} is set: the jars are this build's.
   */
  static JarProcess runPair(Map<String, String> env) throws IOException {
    Map<String, String> withJarsBuilt = new HashMap<>(env);
    withJarsBuilt.put("SKIP_BUILD", "1");
    return shell("./run-pair.sh", withJarsBuilt);
  }

  /**
   * A command line as the docs show it ({@code java ... -jar ...}, {@code ./run-pair.sh}) run by
   * bash in the project's root, in a process group of its own as a terminal runs it, with {@code
   * env} added to the machine's environment.
   *
   * <p>SIGINT is reset to its default, as a terminal's foreground job has it: a Maven started in
   * the background of a script passes on SIGINT ignored, and a shell started so cannot trap it
   * (run-pair.sh's Ctrl-C would then do nothing).
   */
  static JarProcess shell(String command, Map<String, String> env) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder("setsid", "env", "--default-signal=INT", "bash", "-c", command)
            .directory(Path.of(System.getProperty("projectRoot")).toFile())
            .redirectErrorStream(true);
    MachineEnvironment.keepOnly(builder.environment());
    builder.environment().putAll(env);
    return new JarProcess(builder.start());
  }

  /**
   * Starts the jar named by the system property {@code jarProperty}, through {@code prefix} (a
   * shell setting a limit, say), with {@code jvmOptions} (e.g. {@link #SHIPPED}).
   */
  static JarProcess start(
      List<String> prefix,
      List<String> jvmOptions,
      String jarProperty,
      Map<String, String> env,
      String... args)
      throws IOException {
    return start(prefix, jvmOptions, Path.of(System.getProperty(jarProperty)), env, args);
  }

  /** Starts {@code jar}, through {@code prefix}, with {@code jvmOptions}. */
  static JarProcess start(
      List<String> prefix,
      List<String> jvmOptions,
      Path jar,
      Map<String, String> env,
      String... args)
      throws IOException {
    assertThat(jar).as("built by mvn package").exists();
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    MachineEnvironment.keepOnly(builder.environment());
    builder.environment().putAll(env);
    return new JarProcess(builder.start());
  }

  /**
   * Sends SIGTERM, checks the process exits with 143 (128 + SIGTERM, the JVM's code after its
   * shutdown hooks, the graceful stop among them), and returns everything it printed.
   */
  String stopWithSigterm() throws InterruptedException {
    // Through the handle: Process.destroy() would also close the output being read.
    process.toHandle().destroy();
    assertThat(awaitExit()).as(output()).isEqualTo(143);
    return output();
  }

  /** Waits for the process to exit and for its last output; returns its exit code. */
  int awaitExit() throws InterruptedException {
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited; output: %s", output()).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(10));
    return process.exitValue();
  }

  String output() {
    return output.toString();
  }

  /**
   * Stops reading what the process prints, as a stuck log collector would: once the pipe's buffer
   * is full, its writes to standard output and error block.
   */
  void stopReading() {
    reading.acquireUninterruptibly();
  }

  void resumeReading() {
    reading.release();
  }

  /** What it printed so far; once it has exited, to its last line. */
  private String outputSoFar() throws InterruptedException {
    if (!process.isAlive()) {
      reader.join(TimeUnit.SECONDS.toMillis(10));
    }
    return output();
  }

  int awaitPort() throws Exception {
    AtomicInteger port = new AtomicInteger();
    await()
        .atMost(START_TIMEOUT)
        .failFast(
            "exited before it listened",
            () ->
                assertThat(process.isAlive() || LISTENING.matcher(output()).find())
                    .as("still running; output: %s", outputSoFar())
                    .isTrue())
        .untilAsserted(
            () -> {
              Matcher matcher = LISTENING.matcher(output());
              assertThat(matcher.find()).as("start-up line in: %s", output()).isTrue();
              port.set(Integer.parseInt(matcher.group(1)));
            });
    return port.get();
  }

  /**
   * Waits until {@code servers} servers of a script (run-pair.sh's three) have said they listen,
   * with the bound of one server's start; ends early, with what it printed, if the script exits.
   */
  void awaitListening(int servers) {
    await()
        .atMost(START_TIMEOUT)
        .failFast(
            "exited before its servers listened",
            () ->
                assertThat(process.isAlive())
                    .as("still running; output: %s", outputSoFar())
                    .isTrue())
        .untilAsserted(
            () ->
                assertThat(LISTENING.matcher(output()).results().count())
                    .as("servers listening, in: %s", output())
                    .isEqualTo(servers));
  }

  @Override
  public void close() {
    // The script's servers too, if a test left them running.
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
