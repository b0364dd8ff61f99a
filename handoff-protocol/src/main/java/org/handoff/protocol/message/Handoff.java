package org.handoff.protocol.message;

import java.net.InetAddress;
import java.util.Arrays;
import org.handoff.protocol.seq.SeqNumber;

/**
 * HANDOFF value (type 1): the director asks an agent to take over a client connection. Layout in
 * {@link HandoffFlyweight}.
 *
 * @param flow            the client connection
 * @param originAddress   the local server the agent connects to (same family as the flow)
 * @param originPort      its port
 * @param attempt         1 for the first hand-off of this flow, +1 for each new attempt (a new
 *                        attempt gets a new message id; a retransmission reuses id and bytes)
 * @param clientIsn       ci
 * @param directorIsn     di
 * @param clientNextSeq   next sequence number expected from the client (director RCV.NXT)
 * @param directorNextSeq next sequence number the director would send (director SND.NXT)
 * @param clientWindow    the raw window field of the client's last segment
 * @param options         the TCP options agreed on the client connection
 * @param flowToken       the flow's TUNNEL token, drawn by the director for this attempt; never 0
 *                        (kept out of {@link #toString()}: it authenticates the flow's packets)
 * @param request         every byte the client has sent so far (copied in and out)
 */
public record Handoff(FlowIdentity flow, InetAddress originAddress, int originPort, int attempt,
                      SeqNumber clientIsn, SeqNumber directorIsn, SeqNumber clientNextSeq, SeqNumber directorNextSeq,
                      int clientWindow, NegotiatedOptions options, long flowToken, byte[] request) implements MessageBody {

    public Handoff {
        if (flow == null || clientIsn == null || directorIsn == null || clientNextSeq == null || directorNextSeq == null
                || options == null || request == null) {
            throw new IllegalArgumentException("HANDOFF with a null field (expected: all fields set)");
        }
        AddressFields.requireEncodable("origin address", originAddress, flow.family());
        AddressFields.requirePort("origin port", originPort);
        if (attempt < 1 || attempt > 0xffff) {
            throw new IllegalArgumentException("attempt " + attempt + " (expected: 1..65535)");
        }
        if (clientWindow < 0 || clientWindow > 0xffff) {
            throw new IllegalArgumentException("client window " + clientWindow + " (expected: 0..65535, the raw field)");
        }
        if (flowToken == 0) {
            throw new IllegalArgumentException("flow token 0 (expected: not 0; 0 marks no token)");
        }
        if (request.length > HandoffFlyweight.MAX_REQUEST_LENGTH) {
            throw new IllegalArgumentException("request " + request.length + " bytes (expected: 0.."
                    + HandoffFlyweight.MAX_REQUEST_LENGTH + ")");
        }
        request = request.clone();
    }

    @Override
    public byte[] request() {
        return request.clone();
    }

    public int requestLength() {
        return request.length;
    }

    @Override
    public MessageType type() {
        return MessageType.HANDOFF;
    }

    @Override
    public int encodedLength() {
        return HandoffFlyweight.REQUEST_OFFSET + request.length + HandoffProtocol.MAC_LENGTH;
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        HandoffFlyweight f = new HandoffFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.originAddress(originAddress)
                .originPort(originPort)
                .attempt(attempt)
                .clientIsn(clientIsn.bits())
                .directorIsn(directorIsn.bits())
                .clientNextSeq(clientNextSeq.bits())
                .directorNextSeq(directorNextSeq.bits())
                .clientWindow(clientWindow)
                .clientMss(options.clientMss())
                .clientShift(options.windowScaling() ? options.clientShift() : 0)
                .directorShift(options.windowScaling() ? options.directorShift() : 0)
                .options(options.optionBits())
                .tsRecent(options.tsRecent())
                .directorTsVal(options.directorTsVal())
                .flowToken(flowToken)
                .request(request, 0, request.length);
    }

    /** Reads a HANDOFF the decoder accepted. */
    public static Handoff decode(HandoffFlyweight f) {
        boolean scaling = f.windowScaling();
        NegotiatedOptions options = new NegotiatedOptions(f.clientMss(),
                scaling ? f.clientShift() : NegotiatedOptions.NO_WINDOW_SCALING,
                scaling ? f.directorShift() : NegotiatedOptions.NO_WINDOW_SCALING,
                f.sackPermitted(), f.timestamps(), f.tsRecent(), f.directorTsVal());
        int start = f.requestBufferOffset();
        return new Handoff(f.flowIdentity(), f.originAddress(), f.originPort(), f.attempt(),
                SeqNumber.of(f.clientIsn()), SeqNumber.of(f.directorIsn()),
                SeqNumber.of(f.clientNextSeq()), SeqNumber.of(f.directorNextSeq()),
                f.clientWindow(), options, f.flowToken(), Arrays.copyOfRange(f.buffer(), start, start + f.requestLength()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Handoff h && flow.equals(h.flow) && originAddress.equals(h.originAddress) && originPort == h.originPort
                && attempt == h.attempt && clientIsn.equals(h.clientIsn) && directorIsn.equals(h.directorIsn)
                && clientNextSeq.equals(h.clientNextSeq) && directorNextSeq.equals(h.directorNextSeq)
                && clientWindow == h.clientWindow && options.equals(h.options) && flowToken == h.flowToken
                && Arrays.equals(request, h.request);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(flow, originAddress, originPort, attempt, clientIsn, directorIsn, clientNextSeq,
                directorNextSeq, clientWindow, options, flowToken) + Arrays.hashCode(request);
    }

    @Override
    public String toString() {
        return "Handoff{" + flow + " -> origin " + FlowIdentity.toString(flow.family(), originAddress, originPort)
                + ", attempt=" + attempt + ", ci=" + clientIsn + ", di=" + directorIsn + ", rcv.nxt=" + clientNextSeq
                + ", snd.nxt=" + directorNextSeq + ", wnd=" + clientWindow + ", " + options + ", request=" + request.length + "B}";
    }
}
