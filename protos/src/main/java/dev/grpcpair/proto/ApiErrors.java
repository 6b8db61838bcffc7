package dev.grpcpair.proto;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;

/**
 * The statuses the {@code .proto} files promise for bad requests, worded once for both servers. A
 * description quotes at most {@value #MAX_QUOTED_CHARS} characters of what the caller sent, so a
 * hostile input is never echoed back in full.
 */
public final class ApiErrors {

  /** The longest piece of caller input a description quotes. */
  static final int MAX_QUOTED_CHARS = 40;

  private ApiErrors() {}

  /**
   * {@code userId}, checked: not empty, at most {@value ApiLimits#MAX_ID_BYTES} bytes of UTF-8.
   *
   * @param field the request field, for the description ({@code user_id})
   * @throws StatusRuntimeException INVALID_ARGUMENT, before anything of it is kept
   */
  public static String requireUserId(String field, String userId) {
    if (userId.isEmpty()) {
      throw required(field);
    }
    if (tooLong(userId)) {
      throw invalid(
          field + " " + quote(userId) + " is longer than " + ApiLimits.MAX_ID_BYTES + " bytes");
    }
    return userId;
  }

  /**
   * {@code userId}, the {@code index}th of the repeated {@code field}, checked as {@link
   * #requireUserId(String, String)} checks it; the description names {@code field[index]}.
   */
  public static String requireUserId(String field, int index, String userId) {
    // The name is made only for an id that fails, not for each of the up to 1,000 ids of a call.
    return userId.isEmpty() || tooLong(userId)
        ? requireUserId(field + "[" + index + "]", userId)
        : userId;
  }

  private static boolean tooLong(String userId) {
    // A UTF-8 character is at most 4 bytes, and at least as many bytes as UTF-16 chars.
    return userId.length() > ApiLimits.MAX_ID_BYTES
        || (userId.length() * 4 > ApiLimits.MAX_ID_BYTES
            && userId.getBytes(StandardCharsets.UTF_8).length > ApiLimits.MAX_ID_BYTES);
  }

  /** NOT_FOUND: no user has {@code userId}. */
  public static StatusRuntimeException userNotFound(String userId) {
    return Status.NOT_FOUND
        .withDescription("user " + quote(userId) + " does not exist")
        .asRuntimeException();
  }

  /** INVALID_ARGUMENT: {@code field} was left empty. */
  public static StatusRuntimeException required(String field) {
    return invalid(field + " is required");
  }

  /** INVALID_ARGUMENT with {@code description}. */
  public static StatusRuntimeException invalid(String description) {
    return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
  }

  /** {@code "value"}, cut to {@value #MAX_QUOTED_CHARS} characters with "…" if longer. */
  public static String quote(String value) {
    return value.length() <= MAX_QUOTED_CHARS
        ? "\"" + value + "\""
        : "\"" + value.substring(0, MAX_QUOTED_CHARS) + "…\" (" + value.length() + " chars)";
  }
}
