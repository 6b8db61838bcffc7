package dev.grpcpair.data;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.InvalidRequestException;
import dev.grpcpair.proto.data.v1.PageToken;
import java.util.Base64;
import java.util.List;

/**
 * One page of a list, in the style of AIP-158: at most {@code page_size} items (the default and the
 * maximum are {@value ApiLimits#MAX_PAGE_SIZE}) and at most {@value ApiLimits#MAX_PAGE_BYTES}
 * bytes, so no response nears grpc's 4 MiB message limit. The page token is opaque to callers: the
 * position after this page and the query it belongs to, so a token cannot be replayed on another
 * query.
 *
 * @param bytes the items' size serialized, about what an answer carrying them takes
 */
public record Page<T extends MessageLite>(List<T> items, String nextPageToken, long bytes) {

  /**
   * The page of {@code all} that {@code pageSize} and {@code pageToken} ask for; {@code query}
   * names the list (e.g. "user:1") so a token from another list is refused.
   *
   * @throws InvalidRequestException for a negative size or a foreign token
   */
  public static <T extends MessageLite> Page<T> of(
      List<T> all, int pageSize, String pageToken, String query) {
    if (pageSize < 0) {
      throw new InvalidRequestException("page_size must not be negative");
    }
    int size =
        pageSize == 0 ? ApiLimits.MAX_PAGE_SIZE : Math.min(pageSize, ApiLimits.MAX_PAGE_SIZE);
    int from = pageToken.isEmpty() ? 0 : offsetIn(pageToken, query, all.size());
    int to = from;
    long bytes = 0;
    while (to < all.size() && to - from < size) {
      // Tag and length prefix of a repeated field: a few bytes more than the message itself.
      long item = all.get(to).getSerializedSize() + 8;
      if (bytes + item > ApiLimits.MAX_PAGE_BYTES && to > from) {
        break;
      }
      bytes += item;
      to++;
    }
    String next = to < all.size() ? token(query, to) : "";
    return new Page<>(all.subList(from, to), next, bytes);
  }

  private static String token(String query, int offset) {
    byte[] bytes = PageToken.newBuilder().setQuery(query).setOffset(offset).build().toByteArray();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The offset {@code pageToken} holds, if it is one this server would make for {@code query}: it
   * decodes, names the same list, points inside it, and encodes back to the very same text.
   */
  private static int offsetIn(String pageToken, String query, int total) {
    try {
      PageToken token = PageToken.parseFrom(Base64.getUrlDecoder().decode(pageToken));
      int offset = token.getOffset();
      if (token.getQuery().equals(query)
          && offset > 0
          && offset <= total
          && token(query, offset).equals(pageToken)) {
        return offset;
      }
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      // Not base64url or not a token: refused below, like any other foreign token.
    }
    throw new InvalidRequestException(
        "page_token is not a next_page_token of this request; start again without it");
  }
}
