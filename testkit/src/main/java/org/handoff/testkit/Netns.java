package org.handoff.testkit;

/**
 * One network namespace a {@link NetnsLab} created.
 *
 * @param name      the kernel-visible name ({@code ip netns list}): the lab's unique prefix plus
 *                  {@code shortName}, e.g. {@code ho-t4242-1-origin}
 * @param shortName the name the test gave it, e.g. {@code origin}
 */
public record Netns(String name, String shortName) {
    @Override
    public String toString() {
        return name;
    }
}
