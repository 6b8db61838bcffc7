package dev.grpcpair.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * async-profiler, attached to a running server with {@code jcmd} (its library comes from the {@code
 * tools.profiler:async-profiler} jar on the bench's class path): what a server spends its CPU on
 * during a run, by the frames that spend it themselves. Its {@code cpu} engine: perf events where
 * the kernel lets this user open them, else per-thread CPU timers, so it needs no kernel settings;
 * on a machine other than Linux x86-64 it is unavailable and the report says so.
 */
final class Profiler {

  private static final String LIBRARY = "linux-x64/libasyncProfiler.so";

  private final Path library;

  private Profiler(Path library) {
    this.library = library;
  }

  /** The profiler, its library copied into {@code work}; null where it cannot run. */
  static Profiler in(Path work) throws IOException {
    boolean linuxX64 =
        System.getProperty("os.name").equals("Linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    try (InputStream library = Profiler.class.getClassLoader().getResourceAsStream(LIBRARY)) {
      if (!linuxX64 || library == null) {
        return null;
      }
      Path copy = work.resolve("libasyncProfiler.so");
      Files.copy(library, copy, StandardCopyOption.REPLACE_EXISTING);
      return new Profiler(copy);
    }
  }

  /**
   * Starts sampling {@code server}'s threads every millisecond of each one's CPU. Not interval
   * timers ({@code itimer}): the kernel delivers one of their signals a tick at most, to whichever
   * thread runs, and here that took one sample for every 5 ms of CPU.
   */
  void start(ServerProcess server) throws IOException, InterruptedException {
    agent(server, "start,event=cpu,interval=1ms");
  }

  /**
   * Stops sampling {@code server}, and returns what it sampled (its stacks kept in {@code out}).
   */
  Profile stop(ServerProcess server, Path out) throws IOException, InterruptedException {
    agent(server, "stop,collapsed,file=" + out);
    return Profile.read(out);
  }

  private static final List<String> KINDS =
      List.of("collector", "JIT", "Netty", "grpc", "this project", "JDK", "other");

  private static final List<String> COLLECTOR_THREADS =
      List.of("VMThread::", "GangWorker::", "WorkerThread::", "GCTaskThread");

  /**
   * What spent a sample: the JVM's collector or compiler, or whose Java code; "other" is native
   * code (system calls, the C library, the JVM's runtime) and the other libraries (protobuf, ...).
   * The collector is its worker threads (the parallel collector's {@code GangWorker}s on JDK 17,
   * {@code WorkerThread}s on later JDKs) and the VM thread, which starts each collection (and where
   * the serial collector runs): other safepoint operations count there too, so its share is an
   * upper bound.
   */
  private static String kind(String stack, String frame) {
    if (stack.contains("CompileBroker::")) {
      return "JIT";
    }
    if (COLLECTOR_THREADS.stream().anyMatch(stack::contains)) {
      return "collector";
    }
    if (frame.contains("netty")) {
      return "Netty";
    }
    if (frame.startsWith("io/grpc/")) {
      return "grpc";
    }
    if (frame.startsWith("dev/grpcpair/")) {
      return "this project";
    }
    if (frame.startsWith("java/") || frame.startsWith("jdk/") || frame.startsWith("sun/")) {
      return "JDK";
    }
    return "other";
  }

  private void agent(ServerProcess server, String command)
      throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                ServerProcess.javaBinary("jcmd"),
                String.valueOf(server.pid()),
                "JVMTI.agent_load",
                library.toString(),
                // jcmd splits its arguments at spaces and commas: the command is quoted whole.
                "\"" + command + "\"")
            .redirectErrorStream(true)
            .start();
    String said = new String(jcmd.getInputStream().readAllBytes());
    if (jcmd.waitFor() != 0 || said.contains("rror")) {
      throw new IOException("async-profiler " + command + ": " + said.strip());
    }
  }

  /** Samples by the frame they were taken in (its own CPU, not its callees'). */
  record Profile(Map<String, Long> selfSamples, Map<String, Long> kinds, long total) {

    /** A profile from async-profiler's collapsed stacks ({@code frame;frame;frame samples}). */
    static Profile read(Path collapsed) throws IOException {
      Map<String, Long> self = new HashMap<>();
      Map<String, Long> kinds = new LinkedHashMap<>();
      KINDS.forEach(kind -> kinds.put(kind, 0L));
      long total = 0;
      for (String line : Files.readAllLines(collapsed)) {
        int space = line.lastIndexOf(' ');
        if (space < 0) {
          continue;
        }
        long samples = Long.parseLong(line.substring(space + 1));
        String stack = line.substring(0, space);
        String frame = stack.substring(stack.lastIndexOf(';') + 1);
        self.merge(frame, samples, Long::sum);
        kinds.merge(kind(stack, frame), samples, Long::sum);
        total += samples;
      }
      if (total == 0) {
        // A share of nothing would print as NaN: a profile that sampled nothing is a failed one.
        throw new IOException(collapsed + " holds no samples: the profiler sampled nothing");
      }
      return new Profile(self, kinds, total);
    }

    /** The share of each kind of code: {@code collector 12%, JIT 1%, Netty 30%, ...}. */
    String byKind() {
      return kinds.entrySet().stream()
          .map(kind -> String.format("%s %.0f%%", kind.getKey(), 100.0 * kind.getValue() / total))
          .collect(Collectors.joining(", "));
    }

    /** The {@code count} frames with the most samples, most first, with their share. */
    List<String> top(int count) {
      return selfSamples.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(count)
          .map(
              frame ->
                  String.format(
                      "%.1f%% `%s`", 100.0 * frame.getValue() / total, shorten(frame.getKey())))
          .toList();
    }

    /**
     * {@code io/grpc/netty/shaded/io/netty/buffer/PoolArena.allocate} to {@code
     * PoolArena.allocate}.
     */
    private static String shorten(String frame) {
      int slash = frame.lastIndexOf('/');
      return (slash < 0 ? frame : frame.substring(slash + 1)).replace("_[j]", "");
    }
  }
}
