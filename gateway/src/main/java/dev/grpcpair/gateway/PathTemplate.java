package dev.grpcpair.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The path of a {@code google.api.http} rule, {@code /v2/users/{user_id}}: literal segments and
 * variables that each take one whole segment ({@code {user_id}} or {@code {user_id=*}}). The wider
 * forms of the grammar ({@code **}, a variable over several segments, a verb) are refused when the
 * gateway starts, not mismatched at run time.
 */
final class PathTemplate {

  private final String template;

  /** Per segment: its literal text, or null where a variable takes it. */
  private final List<String> literals = new ArrayList<>();

  /** Per segment: the request field a variable fills, or null for a literal. */
  private final List<String> fields = new ArrayList<>();

  private PathTemplate(String template) {
    this.template = template;
  }

  /**
   * @throws IllegalArgumentException for a form outside the subset above, naming it
   */
  static PathTemplate parse(String template) {
    if (!template.startsWith("/") || template.length() < 2 || template.endsWith("/")) {
      throw new IllegalArgumentException("path " + template + " must be /segment[/segment...]");
    }
    PathTemplate path = new PathTemplate(template);
    for (String segment : template.substring(1).split("/", -1)) {
      if (segment.startsWith("{") && segment.endsWith("}")) {
        String variable = segment.substring(1, segment.length() - 1);
        if (variable.endsWith("=*")) {
          variable = variable.substring(0, variable.length() - 2);
        }
        if (!variable.matches("[a-z_][a-z0-9_]*")) {
          throw new IllegalArgumentException(
              "path " + template + ": only {field} or {field=*} variables are supported");
        }
        path.literals.add(null);
        path.fields.add(variable);
      } else if (segment.isEmpty() || segment.contains("*") || segment.contains("{")) {
        throw new IllegalArgumentException(
            "path " + template + ": wildcards and empty segments are not supported");
      } else {
        path.literals.add(segment);
        path.fields.add(null);
      }
    }
    return path;
  }

  /** The rule's text, as written. */
  String template() {
    return template;
  }

  /** The request fields its variables fill, in order. */
  List<String> fields() {
    return fields.stream().filter(field -> field != null).toList();
  }

  /** The path in OpenAPI's form: {@code /v2/users/{user_id}}. */
  String openApiPath() {
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < literals.size(); i++) {
      path.append('/')
          .append(literals.get(i) != null ? literals.get(i) : "{" + fields.get(i) + "}");
    }
    return path.toString();
  }

  /** Whether {@code segments} (as sent, still percent-encoded) have this shape. */
  boolean matches(List<String> segments) {
    if (segments.size() != literals.size()) {
      return false;
    }
    for (int i = 0; i < segments.size(); i++) {
      String literal = literals.get(i);
      if (literal == null ? segments.get(i).isEmpty() : !literal.equals(segments.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The variables of matching {@code segments}, each percent-decoded.
   *
   * @throws IllegalArgumentException for a malformed percent-encoding
   */
  Map<String, String> variables(List<String> segments) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < segments.size(); i++) {
      if (fields.get(i) != null) {
        values.put(fields.get(i), percentDecode(segments.get(i)));
      }
    }
    return values;
  }

  /** The segments of a raw path: {@code /v2/users/1} is {@code [v2, users, 1]}. */
  static List<String> segments(String rawPath) {
    return List.of(rawPath.substring(rawPath.startsWith("/") ? 1 : 0).split("/", -1));
  }

  /**
   * Decodes {@code %XX} escapes as UTF-8; {@code +} stays {@code +}, as in any path (it means a
   * space only in a form-encoded query).
   */
  static String percentDecode(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int high = i + 2 < segment.length() ? Character.digit(segment.charAt(i + 1), 16) : -1;
      int low = high >= 0 ? Character.digit(segment.charAt(i + 2), 16) : -1;
      if (low < 0) {
        throw new IllegalArgumentException("malformed percent-encoding in " + segment);
      }
      bytes.write(high << 4 | low);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("percent-encoding in " + segment + " is not UTF-8", e);
    }
  }
}
