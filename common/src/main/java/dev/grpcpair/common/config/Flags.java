package dev.grpcpair.common.config;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one way configuration is made: picocli parses flags into a config object's fields, each flag
 * falling back to the environment variable of the same name ({@code --user-target} reads {@code
 * USER_TARGET}), then the object checks what picocli cannot, such as flags that only make sense
 * together. The servers' {@code main} and the tests both come through here, so tests exercise the
 * real flag path.
 */
public final class Flags {

  /** A config object whose flags can be wrong in combination. */
  public interface Checked {
    /** Throws {@link picocli.CommandLine.ParameterException} naming the flags that do not fit. */
    void check();
  }

  private Flags() {}

  /**
   * Parses {@code args} into {@code config} and its mixins, then checks it.
   *
   * @throws picocli.CommandLine.ParameterException for a bad flag, value or combination
   */
  public static <C extends Checked> C parse(C config, String... args) {
    parse(commandLine(config), args);
    return config;
  }

  /** A command line for {@code config}: environment fallbacks and the converters flags share. */
  public static CommandLine commandLine(Checked config) {
    return new CommandLine(config)
        .setDefaultValueProvider(Flags::fromEnvironment)
        .registerConverter(Duration.class, new DurationConverter());
  }

  /** Parses and checks; help and version requests are left for the caller to print. */
  public static CommandLine.ParseResult parse(CommandLine commandLine, String... args) {
    CommandLine.ParseResult result = commandLine.parseArgs(args);
    if (!result.isUsageHelpRequested() && !result.isVersionHelpRequested()) {
      ((Checked) commandLine.getCommand()).check();
    }
    return result;
  }

  /** The environment variable named after the flag; null (the annotated default) when unset. */
  private static String fromEnvironment(CommandLine.Model.ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    return System.getenv(environmentName(option.longestName()));
  }

  /** {@code --user-target} → {@code USER_TARGET}. */
  public static String environmentName(String flag) {
    return flag.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
