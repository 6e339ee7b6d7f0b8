/** Programs that run tests (a prerequisite of `make test` that runs one of these runs tests). */
export const TEST_RUNNER =
  /^(jest|vitest|mocha|ava|tap|tape|jasmine|karma|cypress|pytest|py\.test|tox|nox|unittest|nose2?|rspec|phpunit|pest|ctest|node --test|(playwright|go|cargo|dotnet|mix|deno|bun|rake|mvnw?|gradlew?) test\w*|run:test.*|g?make (tests?|checks?)([-_.:].*)?)$/;
