package dev.grpcpair.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One server's jar, started with {@code java -jar} on a port the system chooses, and what the
 * benchmark reads of it: CPU time (from {@link ProcessHandle}), peak resident memory, GC time.
 */
final class ServerProcess implements AutoCloseable {

  /** System property replacing the launch configuration's flags, to compare launch settings. */
  static final String JVM_PROPERTY = "bench.jvm";

  private static final Pattern HEAP_OR_COLLECTOR =
      Pattern.compile("-Xm[snx]|-XX:SurvivorRatio|-XX:GCTimeRatio|-XX:\\+Use\\w+GC");
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path log;
  private final Path gcLog;
  private final Ready ready;
  private final long startedAt = System.nanoTime();
  private int port;
  private long startMillis;

  private ServerProcess(Process process, Path log, Path gcLog, Ready ready) {
    this.process = process;
    this.log = log;
    this.gcLog = gcLog;
    this.ready = ready;
  }

  /**
   * Starts {@code root/name/target/name.jar} with {@code args}, its output into {@code work}, as
   * shipped: the flags of {@code deploy/jvm.options} and the jar's class-data archive. It is up
   * when its health service answers; the gateway's, when its {@code /healthz} answers 200.
   */
  static ServerProcess start(Path root, Path work, String name, List<String> args)
      throws IOException, InterruptedException {
    return start(root, work, name, args, jvmFlags(root));
  }

  /** As {@link #start(Path, Path, String, List)}, with {@code jvmFlags} instead of the shipped. */
  static ServerProcess start(
      Path root, Path work, String name, List<String> args, List<String> jvmFlags)
      throws IOException, InterruptedException {
    Path jar = root.resolve(name + "/target/" + name + ".jar");
    List<String> flags = new ArrayList<>(List.of("--port=0"));
    flags.addAll(args);
    String classData = classData(root, work, name, jar, flags);
    return start(
        command(jvmFlags, List.of(classData, "-jar", jar.toString()), flags),
        work,
        name,
        readiness(name));
  }

  /**
   * Starts {@code main} ({@link BareServer}, {@link BareGateway}) with {@code args}, and the same
   * JVM flags as the servers. A bare server is up when its health service answers, the bare gateway
   * (which has no health endpoint) once it has said its port.
   */
  static ServerProcess startBare(
      Path root, Path work, String name, Class<?> main, List<String> args)
      throws IOException, InterruptedException {
    String bench = root.resolve("bench/target/bench.jar").toString();
    Ready ready = main == BareGateway.class ? Ready.PORT : Ready.GRPC_HEALTH;
    return start(
        command(jvmFlags(root), List.of("-cp", bench, main.getName()), args), work, name, ready);
  }

  /** When a started process serves: once it has said its port, and its health check passes. */
  private enum Ready {
    GRPC_HEALTH,
    HTTP_HEALTH,
    PORT
  }

  private static Ready readiness(String jarName) {
    return jarName.equals("gateway") ? Ready.HTTP_HEALTH : Ready.GRPC_HEALTH;
  }

  /** The JVM flags: {@code -Dbench.jvm="..."}, else the launch configuration file. */
  static List<String> jvmFlags(Path root) {
    String given = System.getProperty(JVM_PROPERTY);
    return given == null
        ? List.of("@" + root.resolve("deploy/jvm.options"))
        : List.of(given.strip().split("\\s+"));
  }

  /**
   * The launch configuration without its heap sizes and collector, written into {@code work}: the
   * servers on the JVM's default collector and heap (G1, up to a quarter of the machine's memory),
   * which the shipped configuration's throughput is held against.
   */
  static List<String> defaultCollectorFlags(Path root, Path work) throws IOException {
    List<String> kept =
        Files.readAllLines(root.resolve("deploy/jvm.options")).stream()
            .filter(line -> !HEAP_OR_COLLECTOR.matcher(line).lookingAt())
            .toList();
    Path options = work.resolve("jvm-default-collector.options");
    Files.write(options, kept);
    return List.of("@" + options);
  }

  /**
   * The flag that starts {@code jar} from its class-data archive, made first, as {@code
   * run-pair.sh} makes it, by one start and stop if it is missing or older than the jar: the JVM
   * writes the archive when it exits.
   */
  private static String classData(Path root, Path work, String name, Path jar, List<String> args)
      throws IOException, InterruptedException {
    Path archive = root.resolve(name + "/target/" + name + ".jsa");
    if (!Files.exists(archive)
        || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) < 0) {
      Files.deleteIfExists(archive);
      String dump = "-XX:ArchiveClassesAtExit=" + archive;
      start(
              command(jvmFlags(root), List.of(dump, "-jar", jar.toString()), args),
              work,
              name + "-cds",
              readiness(name))
          .close();
    }
    return "-XX:SharedArchiveFile=" + archive;
  }

  private static List<String> command(List<String> jvmFlags, List<String> what, List<String> args) {
    List<String> command = new ArrayList<>(List.of(javaBinary("java")));
    command.addAll(jvmFlags);
    command.addAll(what);
    command.addAll(args);
    return command;
  }

  private static ServerProcess start(List<String> command, Path work, String name, Ready ready)
      throws IOException, InterruptedException {
    // Files of this process's own: pairs on other flags run beside it under the same names.
    Path log = Files.createTempFile(work, name + "-", ".log");
    // Each collection, one line: what it found and left (GcLog).
    Path gcLog = Files.createTempFile(work, name + "-gc-", ".log");
    List<String> logging = new ArrayList<>(command);
    logging.add(1, "-Xlog:gc:file=" + gcLog);
    Process process = new ProcessBuilder(logging).redirectErrorStream(true).start();
    keepAllButAccessLines(process, log);
    ServerProcess server = new ServerProcess(process, log, gcLog, ready);
    server.awaitServing();
    return server;
  }

  /**
   * The servers log every call, as shipped; millions of calls would make gigabytes. The process
   * writes them all (its cost is measured), and the benchmark reads them from the pipe and keeps
   * every other line in the log file.
   */
  private static void keepAllButAccessLines(Process process, Path log) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines = process.inputReader(StandardCharsets.UTF_8);
                  BufferedWriter kept = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  if (!line.contains("] access - ")) {
                    kept.write(line);
                    kept.newLine();
                    kept.flush();
                  }
                }
              } catch (IOException e) {
                // The process ended; what was kept is in the file.
              }
            },
            "server-output");
    reader.setDaemon(true);
    reader.start();
  }

  long pid() {
    return process.pid();
  }

  int port() {
    return port;
  }

  /** Milliseconds from {@code java -jar} to the first answered health check. */
  long startMillis() {
    return startMillis;
  }

  /** CPU time used so far, user and system. */
  double cpuSeconds() {
    return process.toHandle().info().totalCpuDuration().orElseThrow().toNanos() / 1e9;
  }

  /** The peak resident set, MiB (Linux's VmHWM: ProcessHandle does not tell memory). */
  long peakRssMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", process.pid() + "", "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }

  /**
   * What the collector has seen so far: its time and the heap in use ({@code jstat -gc}), and what
   * its collections freed (the GC log), read again while a collection falls between the two
   * readings (the benchmark reads between runs, when the servers are idle: a few tries at most).
   */
  Gc gc() throws IOException, InterruptedException {
    for (int tries = 1; ; tries++) {
      GcLog.Freed before = GcLog.read(gcLog);
      Process jstat =
          new ProcessBuilder(javaBinary("jstat"), "-gc", String.valueOf(process.pid())).start();
      String[] lines = new String(jstat.getInputStream().readAllBytes()).strip().split("\n");
      jstat.waitFor();
      if (lines.length < 2) {
        return new Gc(0, 0, before.bytes());
      }
      GcLog.Freed after = GcLog.read(gcLog);
      if (after.collections() != before.collections() && tries < 10) {
        continue;
      }
      List<String> header = Arrays.asList(lines[0].trim().split("\\s+"));
      String[] values = lines[1].trim().split("\\s+");
      ToDoubleFunction<String> column = name -> Double.parseDouble(values[header.indexOf(name)]);
      double usedKiB =
          column.applyAsDouble("S0U")
              + column.applyAsDouble("S1U")
              + column.applyAsDouble("EU")
              + column.applyAsDouble("OU");
      return new Gc(column.applyAsDouble("GCT"), usedKiB * 1024, after.bytes());
    }
  }

  /**
   * GC time, the heap in use, and what collections have freed, at one moment.
   *
   * @param seconds total GC time
   * @param usedBytes the heap in use
   * @param freedBytes what every collection so far has freed
   */
  record Gc(double seconds, double usedBytes, double freedBytes) {

    /**
     * Bytes allocated since {@code before}: what is in use now that was not then, and what was
     * collected meanwhile; whatever the collector does with the size of its spaces.
     */
    double allocatedSince(Gc before) {
      return usedBytes - before.usedBytes + freedBytes - before.freedBytes;
    }
  }

  boolean sawOutOfMemory() throws IOException {
    return Files.readString(log).contains("OutOfMemoryError");
  }

  /** SIGTERM, then a forced kill if it has not stopped within 30 seconds. */
  @Override
  public void close() {
    process.toHandle().destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Reads the port from the start-up line, then polls health until it answers. */
  private void awaitServing() throws IOException, InterruptedException {
    long deadline = startedAt + START_TIMEOUT.toNanos();
    while (port == 0) {
      Matcher listening = LISTENING.matcher(Files.readString(log));
      if (listening.find()) {
        port = Integer.parseInt(listening.group(1));
      } else if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("did not start:\n" + Files.readString(log));
      } else {
        Thread.sleep(5);
      }
    }
    switch (ready) {
      case GRPC_HEALTH -> awaitGrpcHealth(deadline);
      case HTTP_HEALTH -> awaitHttpHealth(deadline);
      case PORT -> {}
    }
    startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
  }

  private void awaitGrpcHealth(long deadline) throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
    try {
      while (true) {
        try {
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(1, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
          return;
        } catch (RuntimeException notYet) {
          if (System.nanoTime() > deadline) {
            throw notYet;
          }
          channel.resetConnectBackoff();
          Thread.sleep(5);
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private void awaitHttpHealth(long deadline) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
            .timeout(Duration.ofSeconds(1))
            .build();
    while (true) {
      try {
        if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet, or the answer was slow: asked again until the deadline.
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not healthy:\n" + Files.readString(log));
      }
      Thread.sleep(5);
    }
  }

  static String javaBinary(String name) {
    return Path.of(System.getProperty("java.home"), "bin", name).toString();
  }
}
