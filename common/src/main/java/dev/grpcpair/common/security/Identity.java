package dev.grpcpair.common.security;

import io.grpc.Context;
import java.util.Optional;

/**
 * Who the current call authenticated as, for handlers and logs; set by {@link
 * BearerAuthInterceptor}.
 */
public final class Identity {

  static final Context.Key<String> KEY = Context.key("authenticated-identity");

  private Identity() {}

  /** The identity of the call this thread is handling; empty when the call carried no token. */
  public static Optional<String> current() {
    return Optional.ofNullable(KEY.get());
  }
}
