package dev.grpcpair.e2e.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A command the docs show and the output shown under it: in a {@code console} block, a line
 * starting {@code $ } (with its continuation lines, here-document or loop body) and the lines up to
 * the next command or the block's end; in an {@code sh} block, each command line (with its
 * continuation lines; comments left out), shown without output.
 *
 * @param page the page's path from the project's root, e.g. {@code docs/paging.md}
 * @param line the command's line on the page, for messages
 */
public record DocTranscript(String page, int line, String command, String shown) {

  private static final Pattern HERE_DOCUMENT = Pattern.compile("<<\\s*'?(\\w+)'?");

  @Override
  public String toString() {
    return page + ":" + line + ": $ " + command.lines().findFirst().orElse("");
  }

  /** Every transcript of the README and of {@code docs/}, page by page, in their order. */
  public static List<DocTranscript> readAll(Path root) {
    List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<DocTranscript> transcripts = new ArrayList<>();
    for (Path page : pages) {
      transcripts.addAll(read(root.relativize(page).toString(), readLines(page)));
    }
    return transcripts;
  }

  private static List<String> readLines(Path page) {
    try {
      return Files.readAllLines(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<DocTranscript> read(String page, List<String> lines) {
    List<DocTranscript> transcripts = new ArrayList<>();
    String block = null;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("```")) {
        block = block == null ? lines.get(i).substring(3) : null;
        continue;
      }
      if ("sh".equals(block) && !lines.get(i).isBlank() && !lines.get(i).startsWith("#")) {
        int first = i;
        List<String> command = new ArrayList<>(List.of(lines.get(i)));
        while (last(command).endsWith("\\")) {
          command.add(lines.get(++i));
        }
        transcripts.add(new DocTranscript(page, first + 1, String.join("\n", command), ""));
        continue;
      }
      if (block == null || !lines.get(i).startsWith("$ ")) {
        continue;
      }
      int first = i;
      List<String> command = new ArrayList<>(List.of(lines.get(i).substring(2)));
      while (last(command).endsWith("\\")) {
        command.add(lines.get(++i));
      }
      Matcher hereDocument = HERE_DOCUMENT.matcher(last(command));
      if (hereDocument.find()) {
        do {
          command.add(lines.get(++i));
        } while (!last(command).strip().equals(hereDocument.group(1)));
      }
      if (command.get(0).startsWith("for ") || command.get(0).startsWith("while ")) {
        while (!last(command).strip().startsWith("done")) {
          command.add(lines.get(++i));
        }
      }
      List<String> shown = new ArrayList<>();
      while (i + 1 < lines.size()
          && !lines.get(i + 1).startsWith("$ ")
          && !lines.get(i + 1).startsWith("```")) {
        shown.add(lines.get(++i));
      }
      transcripts.add(
          new DocTranscript(
              page, first + 1, String.join("\n", command), String.join("\n", shown).strip()));
    }
    return transcripts;
  }

  private static String last(List<String> lines) {
    return lines.get(lines.size() - 1);
  }
}
