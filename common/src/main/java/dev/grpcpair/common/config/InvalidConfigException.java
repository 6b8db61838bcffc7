package dev.grpcpair.common.config;

/**
 * A flag's or variable's value, or a file it names, that the process cannot run with: what {@code
 * main} reports in one line with exit code 2. Any other exception at start is the server failing to
 * start (exit code 1), programming errors included.
 */
public class InvalidConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidConfigException(String message) {
    super(message);
  }

  public InvalidConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
