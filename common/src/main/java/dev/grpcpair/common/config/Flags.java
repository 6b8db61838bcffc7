package dev.grpcpair.common.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one way configuration is made: picocli parses flags into a config object's fields, each flag
 * falling back to the environment variable of the same name ({@code --user-target} reads {@code
 * USER_TARGET}), then the object checks what picocli cannot, such as flags that only make sense
 * together. The servers' {@code main} and the tests both come through here, so tests exercise the
 * real flag path. The environment is passed in: {@code main} gives the process's, tests none, so a
 * variable exported on a developer's machine ({@code AUTH_TOKENS}, {@code TLS_CERT}) cannot change
 * what a test starts.
 *
 * <p>Three steps, each its own: parsing fills fields, {@link Checked#check} only checks them, and
 * what they name (a TLS file, a token file, a dataset) is read when the server that needs it is
 * built. A secret is a hidden option that only its variable sets ({@code --auth-tokens} is {@code
 * AUTH_TOKENS}): a value on the command line would show in {@code ps}, so one there is refused.
 */
public final class Flags {

  /** A config object whose flags can be wrong in combination. */
  public interface Checked {
    /** Throws {@link InvalidConfigException} naming the flags that do not fit; reads nothing. */
    void check();
  }

  private Flags() {}

  /**
   * Parses {@code args} into {@code config} and its mixins, then checks it, with no environment:
   * what tests and programs that build a config do.
   *
   * @throws picocli.CommandLine.ParameterException for a bad flag or value
   * @throws InvalidConfigException for flags that do not fit together
   */
  public static <C extends Checked> C parse(C config, String... args) {
    parse(commandLine(config, Map.of()), Map.of(), args);
    return config;
  }

  /**
   * A command line for {@code config}: fallbacks to {@code environment}, and the converters flags
   * share.
   */
  public static CommandLine commandLine(Checked config, Map<String, String> environment) {
    return new CommandLine(config)
        .setDefaultValueProvider(arg -> fromEnvironment(arg, environment))
        .registerConverter(Duration.class, new DurationConverter());
  }

  /** Parses and checks; help and version requests are left for the caller to print. */
  public static CommandLine.ParseResult parse(
      CommandLine commandLine, Map<String, String> environment, String... args) {
    CommandLine.ParseResult result = commandLine.parseArgs(args);
    for (OptionSpec option : result.matchedOptions()) {
      if (option.hidden()) {
        throw new InvalidConfigException(
            environmentName(option.longestName())
                + " is a variable, never a flag: a flag's value shows in ps");
      }
    }
    if (!result.isUsageHelpRequested() && !result.isVersionHelpRequested()) {
      ((Checked) commandLine.getCommand()).check();
    }
    return result;
  }

  /**
   * A secret, given either in the file {@code flag} names or in the variable {@code variable} (the
   * hidden option holding its {@code value}), not both.
   */
  public record Secret(String flag, Path file, String variable, String value) {

    /** Throws {@link InvalidConfigException} when both are set. */
    public void check() {
      if (file != null && value != null) {
        throw new InvalidConfigException("give either " + flag + " or " + variable + ", not both");
      }
    }

    public boolean isSet() {
      return file != null || value != null;
    }

    /** Where the secret comes from: the file's path, or the variable's name. */
    public String source() {
      return value != null ? variable : String.valueOf(file);
    }

    /**
     * The secret's text, read from the file now; null when neither is set.
     *
     * @throws InvalidConfigException when the file cannot be read
     */
    public String read() {
      if (value != null || file == null) {
        return value;
      }
      try {
        return Files.readString(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new InvalidConfigException(flag + ": " + file + " does not exist");
      } catch (IOException e) {
        throw new InvalidConfigException(flag + ": cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  /**
   * What is wrong with a flag's value, as picocli says it, naming the variable the user set when
   * the value came from the environment ({@code PORT=70000}: "Invalid value for PORT (--port)").
   */
  public static String badValue(
      CommandLine.ParameterException e, Map<String, String> environment, String... args) {
    if (e.getArgSpec() instanceof OptionSpec option) {
      String flag = option.longestName();
      String variable = environmentName(flag);
      boolean onTheCommandLine =
          Arrays.stream(args)
              .anyMatch(
                  arg ->
                      Arrays.stream(option.names())
                          .anyMatch(name -> arg.equals(name) || arg.startsWith(name + "=")));
      if (!onTheCommandLine && variable(environment, variable) != null) {
        return e.getMessage().replace("option '" + flag + "'", variable + " (" + flag + ")");
      }
    }
    return e.getMessage();
  }

  /**
   * The environment variable named after the flag; null (the annotated default) when unset. A
   * secret's variable counts even when empty: an empty {@code AUTH_TOKENS} is refused, not taken
   * for none.
   */
  private static String fromEnvironment(
      CommandLine.Model.ArgSpec arg, Map<String, String> environment) {
    if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    String name = environmentName(option.longestName());
    return option.hidden() ? environment.get(name) : variable(environment, name);
  }

  /**
   * A flag's variable; null when it is unset or empty. Empty counts as unset, as OpenTelemetry
   * specifies for its own variables: compose's {@code PORT: ${PORT}} and a Kubernetes {@code value:
   * ""} mean "not given", not a bad value. (A secret's variable is read as it is: see {@link
   * #fromEnvironment}.)
   */
  private static String variable(Map<String, String> environment, String name) {
    String value = environment.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  /** {@code --user-target} → {@code USER_TARGET}. */
  public static String environmentName(String flag) {
    return flag.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
