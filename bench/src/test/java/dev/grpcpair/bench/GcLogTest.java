package dev.grpcpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcLogTest {

  @TempDir Path dir;

  @Test
  void eachCollectionsLine_countsWhatItFreed_whateverTheCollector() {
    String log =
        String.join(
            "\n",
            "[0.006s][info][gc] Using Parallel",
            "[0.113s][info][gc] GC(0) Pause Young (Allocation Failure) 8M->1M(31M) 7.601ms",
            "[0.443s][info][gc] GC(1) Pause Young (System.gc()) 32M->27M(71M) 50.424ms",
            "[0.451s][info][gc] GC(2) Pause Full (Ergonomics) 27M->25M(71M) 8.423ms",
            "[0.119s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 12M->2M(256M)"
                + " 3.366ms",
            "[0.200s][info][gc] GC(4) Pause Remark 900K->800K(256M) 1.2ms",
            "[0.300s][info][gc] GC(5) Concurrent Mark Cycle 12.5ms",
            // Being written: not a collection yet.
            "[0.400s][info][gc] GC(6) Pause Young (Allocation Failure) 40M->");

    GcLog.Freed freed = GcLog.parse(log);

    assertThat(freed.collections()).isEqualTo(5);
    assertThat(freed.bytes()).isEqualTo(((7 + 5 + 2 + 10) << 20) + (100 << 10));
  }

  @Test
  void aJvmsOwnLog_accountsForWhatItAllocated() throws Exception {
    // A JVM that allocates 2 GB in arrays of 1 KB, most of it garbage at once, with a heap a
    // fraction of that: what its collections freed is nearly all of it.
    Path gcLog = dir.resolve("gc.log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path source = dir.resolve("Allocate.java");
    Files.writeString(
        source,
        "public class Allocate { public static void main(String[] a) {"
            + " Object[] kept = new Object[1000];"
            + " for (int i = 0; i < 2_000_000; i++) kept[i % 1000] = new byte[1000]; } }");
    List<String> command =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-XX:+UseParallelGC",
                "-Xmx64m",
                "-Xlog:gc:file=" + gcLog,
                source.toString()));
    Process process = new ProcessBuilder(command).inheritIO().start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();

    GcLog.Freed freed = GcLog.read(gcLog);

    // Each byte[1000] takes 1,016 bytes of heap: 2.03 GB in all, less what is in use at the end.
    assertThat(freed.collections()).isGreaterThan(10);
    assertThat(freed.bytes()).isBetween(1_800_000_000L, 2_100_000_000L);
  }

  @Test
  void aLogNotWrittenYet_hasFreedNothing() throws Exception {
    assertThat(GcLog.read(dir.resolve("absent.log"))).isEqualTo(new GcLog.Freed(0, 0));
  }
}
