package dev.grpcpair.proto;

/** The limits the {@code .proto} files promise callers, in one place for both servers. */
public final class ApiLimits {

  /** The most user ids one BatchGetUsers or CollectPosts call may carry. */
  public static final int MAX_IDS_PER_CALL = 1000;

  /** The longest user id, in bytes of UTF-8. */
  public static final int MAX_ID_BYTES = 128;

  /** The default and largest page of ListPosts and ListPostsByUserId. */
  public static final int MAX_PAGE_SIZE = 1000;

  /** Pages stop short of this many bytes, leaving room under grpc's 4 MiB message limit. */
  public static final int MAX_PAGE_BYTES = 3 * 1024 * 1024;

  private ApiLimits() {}
}
