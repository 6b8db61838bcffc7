package dev.grpcpair.e2e.docs;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;

/**
 * How an output the docs show is compared with a real one: JSON as data (what grpcurl and curl
 * print, followed by grpcurl's {@code ERROR:} text if any), anything else line by line.
 */
public final class ShownOutput {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ShownOutput() {}

  static boolean same(String shown, String real) {
    Parsed want = Parsed.of(shown);
    Parsed got = Parsed.of(real);
    if (want != null && got != null) {
      return want.equals(got);
    }
    return lines(shown).equals(lines(real));
  }

  /**
   * The values that the shown output has and the real one has otherwise, at the same place in the
   * same JSON (a page token, say): a later command that types the shown value gets the real one.
   */
  static Map<String, String> changedValues(String shown, String real) {
    Map<String, String> changed = new LinkedHashMap<>();
    Parsed want = Parsed.of(shown);
    Parsed got = Parsed.of(real);
    if (want != null && got != null && want.documents.size() == got.documents.size()) {
      for (int i = 0; i < want.documents.size(); i++) {
        collect(want.documents.get(i), got.documents.get(i), changed);
      }
    }
    return changed;
  }

  private static void collect(JsonNode want, JsonNode got, Map<String, String> changed) {
    if (want.isString() && got.isString() && !want.asString().equals(got.asString())) {
      changed.put(want.asString(), got.asString());
    } else if (want.isObject() && got.isObject()) {
      for (String name : want.propertyNames()) {
        if (got.has(name)) {
          collect(want.get(name), got.get(name), changed);
        }
      }
    } else if (want.isArray() && got.isArray() && want.size() == got.size()) {
      for (int i = 0; i < want.size(); i++) {
        collect(want.get(i), got.get(i), changed);
      }
    }
  }

  /**
   * The lines shown that a long-running command's output lacks, in any order, their time stamps
   * aside: what a server prints as it starts, among its other lines.
   */
  public static List<String> linesMissing(String shown, String real) {
    List<String> printed = lines(real).stream().map(ShownOutput::withoutTime).toList();
    return lines(shown).stream().filter(line -> !printed.contains(withoutTime(line))).toList();
  }

  private static String withoutTime(String line) {
    return line.replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z", "TIME");
  }

  private static List<String> lines(String text) {
    return text.strip().lines().map(String::stripTrailing).toList();
  }

  /** JSON documents one after another, then grpcurl's error text, whitespace folded. */
  private record Parsed(List<JsonNode> documents, String error) {

    static Parsed of(String text) {
      String json = text;
      String error = "";
      int errorAt = text.indexOf("ERROR:");
      if (errorAt >= 0) {
        json = text.substring(0, errorAt);
        error = String.join(" ", text.substring(errorAt).strip().split("\\s+"));
      }
      List<JsonNode> documents = new ArrayList<>();
      try (MappingIterator<JsonNode> values = JSON.readerFor(JsonNode.class).readValues(json)) {
        Iterator<JsonNode> each = values;
        while (each.hasNext()) {
          documents.add(each.next());
        }
      } catch (JacksonException e) {
        return null;
      }
      return documents.isEmpty() && error.isEmpty() ? null : new Parsed(documents, error);
    }
  }
}
