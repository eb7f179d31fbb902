package dev.tokenstream.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The house's layering (docs/design.md, "Code layout"), checked on every module's main classes: a newcomer who opens
 * a package can tell what it may touch, and the build fails when a change breaks that.
 */
class LayeringTest {

    /** Modules that run as servers: none may depend on the client SDK. */
    private static final String[] SERVERS = {"dev.tokenstream.control..", "dev.tokenstream.delivery..",
        "dev.tokenstream.ingest..", "dev.tokenstream.processor..", "dev.tokenstream.simulator..",
        "dev.tokenstream.relay..", "dev.tokenstream.events..", "dev.tokenstream.api..", "dev.tokenstream.auth..",
        "dev.tokenstream.replay.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.tokenstream");
    }

    @Test
    void shouldSeeEveryModule() {
        // A rule over no classes passes whatever it says: make sure the modules are really here.
        assertThat(classes.stream().map(c -> c.getPackageName().split("\\.")[2]).distinct())
                .contains("events", "api", "auth", "control", "delivery", "ingest", "processor", "client", "cli",
                        "simulator", "relay", "replay", "bench", "localstack");
    }

    @Test
    void shouldFailOnACycleBetweenPackages() {
        JavaClasses cyclic = new ClassFileImporter().importPackages("dev.tokenstream.architecture.fixture.cycle");
        assertThat(cyclic).hasSize(2);
        assertThatThrownBy(() -> slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(cyclic))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Cycle detected");
    }

    @Test
    void shouldHaveNoCycleBetweenModules() {
        slices().matching("dev.tokenstream.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void shouldHaveNoCycleBetweenPackages() {
        slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(classes);
    }

    @Test
    void shouldKeepKafkaClientsOutOfRestAndWebSocketAdapters() {
        noClasses().that().resideInAnyPackage("dev.tokenstream..rest..", "dev.tokenstream..ws..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..")
                .because("REST and WebSocket adapters translate the protocol and call a service")
                .check(classes);
    }

    @Test
    void shouldKeepControlsRestAdaptersOnItsServices() {
        noClasses().that().resideInAPackage("dev.tokenstream.control.rest..")
                .should().dependOnClassesThat().resideInAPackage("dev.tokenstream.control.messaging..")
                .because("control-service's resources validate, delegate to control.service and map")
                .check(classes);
    }

    @Test
    void shouldKeepTheClientSdkOutOfServers() {
        noClasses().that().resideInAnyPackage(SERVERS)
                .should().dependOnClassesThat().resideInAPackage("dev.tokenstream.client..")
                .because("the HTTP contract's types live in the api module, shared by servers and the SDK")
                .check(classes);
    }

    @Test
    void shouldKeepTheContractFreeOfServices() {
        noClasses().that().resideInAnyPackage("dev.tokenstream.events..", "dev.tokenstream.api..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "jakarta.enterprise..")
                .because("events and api are plain jars every module and the SDK share")
                .check(classes);
    }

    /** Each package its own slice: a cycle between any two packages fails. */
    private static final SliceAssignment EACH_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            return javaClass.getPackageName().startsWith("dev.tokenstream.")
                    ? SliceIdentifier.of(javaClass.getPackageName()) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "each package of dev.tokenstream";
        }
    };
}
