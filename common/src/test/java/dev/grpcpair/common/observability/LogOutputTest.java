package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LogOutputTest {

  private static final String STAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";

  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final LogOutput.Batched out = new LogOutput.Batched(written, LogOutput.MAX_WAITING_BYTES);

  @Test
  void eachLineIsStampedAndNothingLeavesBeforeTheBatchIsWrittenOut() {
    out.println("[main] [INFO] access - v1.user.User/GetUser OK 0.012ms");
    out.flush(); // what slf4j-simple does after every line

    assertThat(written.size()).isZero();
    out.writeOut();
    assertThat(written.toString(StandardCharsets.UTF_8))
        .matches(STAMP + "\\[main] \\[INFO] access - v1.user.User/GetUser OK 0.012ms\\n");
  }

  @Test
  void linesLongerThanTheScratchBufferAndNotAsciiArriveWholeInUtf8() {
    String longLine = "x".repeat(100_000); // longer than a chunk
    out.println("short");
    out.println(longLine);
    out.println("naïve Grüße ✓");
    new RuntimeException("boom").printStackTrace(out); // PrintStream's own paths, unstamped
    out.println("last");
    out.writeOut();

    String[] lines = written.toString(StandardCharsets.UTF_8).split("\n", -1);
    assertThat(lines[0]).matches(STAMP + "short");
    assertThat(lines[1]).matches(STAMP + longLine);
    assertThat(lines[2]).matches(STAMP + "naïve Grüße ✓");
    assertThat(lines[3]).isEqualTo("java.lang.RuntimeException: boom");
    assertThat(lines[4]).startsWith("\tat ");
    assertThat(lines[lines.length - 2]).matches(STAMP + "last");
    assertThat(lines[lines.length - 1]).isEmpty();
  }

  @Test
  void aLineHandedOverUnbuilt_isWrittenAsTheSameLineAsAString() {
    String text = "[main] [INFO] access - v1.user.User/GetUser OK naïve";
    out.printLine(new StringBuilder(text));
    out.println(text);
    out.writeOut();

    String[] lines = written.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).matches(STAMP + "\\[main] .*").endsWith(text);
    assertThat(lines[1]).matches(STAMP + "\\[main] .*").endsWith(text);
  }

  /**
   * A standard error nobody reads blocks its writer; printers must not wait for it, and what could
   * not wait is counted, not lost without a word.
   */
  @Test
  void aStandardErrorThatBlocks_neverHoldsAPrinter_andTheLinesDroppedAreCounted() throws Exception {
    StuckUntilReleased stderr = new StuckUntilReleased();
    LogOutput.Batched batched = new LogOutput.Batched(stderr, 1 << 16);
    batched.startWriter();
    int lines = 20_000; // about 1.5 MB: far more than the 64 KiB that may wait

    CompletableFuture<Void> printing =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < lines; i++) {
                batched.printLine("[loop] [INFO] access - line " + i);
              }
            });
    assertThat(stderr.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is stuck
    printing.get(10, TimeUnit.SECONDS); // and every line was printed all the same
    stderr.release.countDown();

    Pattern report = Pattern.compile("\\[WARN] LogOutput - (\\d+) log lines dropped");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Matcher found = report.matcher("");
    while (!found.reset(stderr.text()).find() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(found.find(0)).as("a line saying how many were dropped").isTrue();
    String[] kept =
        stderr
            .text()
            .lines()
            .filter(line -> line.contains("access - line "))
            .toArray(String[]::new);
    long dropped = Long.parseLong(found.group(1));
    assertThat(kept.length + dropped).isEqualTo(lines);
    assertThat(kept[0]).endsWith("access - line 0");
    assertThat(kept.length).isBetween(500, lines - 1); // what waited is written out, in order
    for (int i = 1; i < kept.length; i++) {
      assertThat(kept[i]).endsWith("access - line " + i);
    }
  }

  /** A standard error whose first write blocks until the test lets it go on. */
  private static final class StuckUntilReleased extends OutputStream {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (bytes) {
        bytes.write(b, off, len);
      }
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
