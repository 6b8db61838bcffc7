package dev.grpcpair.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The last step of {@code mvn verify} (this module builds last: every other one is among its
 * dependencies): one line with the number of tests every module ran, from the surefire and failsafe
 * reports, so a passing build ends with its count.
 */
public final class TestTotals {

  private static final Pattern SUITE =
      Pattern.compile(
          "<testsuite [^>]*tests=\"(\\d+)\" errors=\"(\\d+)\" skipped=\"(\\d+)\" failures=\"(\\d+)\"");

  private TestTotals() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    long[] totals = new long[4];
    int modules = 0;
    try (Stream<Path> children = Files.list(root)) {
      for (Path module : children.filter(Files::isDirectory).sorted().toList()) {
        boolean counted = false;
        for (String reports : List.of("surefire-reports", "failsafe-reports")) {
          Path folder = module.resolve("target").resolve(reports);
          if (!Files.isDirectory(folder)) {
            continue;
          }
          try (Stream<Path> files = Files.list(folder)) {
            for (Path report : files.filter(TestTotals::isReport).toList()) {
              Matcher suite = SUITE.matcher(Files.readString(report));
              if (suite.find()) {
                for (int i = 0; i < 4; i++) {
                  totals[i] += Long.parseLong(suite.group(i + 1));
                }
                counted = true;
              }
            }
          }
        }
        modules += counted ? 1 : 0;
      }
    }
    System.out.printf(
        "Tests in %d modules: %d run, %d failures, %d errors, %d skipped%n",
        modules, totals[0], totals[3], totals[1], totals[2]);
  }

  private static boolean isReport(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith("TEST-") && name.endsWith(".xml");
  }
}
