package dev.grpcpair.data;

import dev.grpcpair.common.config.InvalidConfigException;

/**
 * A dataset that cannot be served: unreadable, not valid JSON, or with missing or repeated ids. The
 * file or size a flag names, so a bad value of that flag (exit code 2).
 */
public final class InvalidDatasetException extends InvalidConfigException {

  private static final long serialVersionUID = 1L;

  public InvalidDatasetException(String message) {
    super(message);
  }

  public InvalidDatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
