import gurux.dlms.GXByteBuffer;
import gurux.dlms.GXDLMSSettings;
import gurux.dlms.GXDateTime;
import gurux.dlms.GXReplyData;
import gurux.dlms.GXStructure;
import gurux.dlms.enums.Authentication;
import gurux.dlms.enums.Conformance;
import gurux.dlms.enums.DataType;
import gurux.dlms.enums.InterfaceType;
import gurux.dlms.enums.Security;
import gurux.dlms.internal.GXCommon;
import gurux.dlms.objects.GXDLMSClock;
import gurux.dlms.objects.GXDLMSData;
import gurux.dlms.objects.GXDLMSProfileGeneric;
import gurux.dlms.objects.GXDLMSRegister;
import gurux.dlms.secure.GXDLMSSecureClient;

import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records the byte sequences of test/unit/dlms/gurux-vectors.json: requests made by the Gurux library's own
 * client (GXDLMSSecureClient) and the answers of the library's own server (GuruxMeter, in this JVM).
 *
 *   G=~/.cache/osgp-tools/dlms-meter/gurux.dlms-4.0.47   # after scripts/install-dlms-meter.sh
 *   javac -d /tmp/record-vectors -cp "$G/classes:$G/lib/*" test/dlms-meter/src/RecordVectors.java
 *   java -Duser.timezone=UTC -cp "/tmp/record-vectors:$G/classes:$G/lib/*" RecordVectors > test/unit/dlms/gurux-vectors.json
 *
 * The client proposes the same conformance and PDU size as adapters/dlms, so its requests can be compared
 * byte for byte. HLS uses fixed challenge, system title and invocation counter.
 */
public final class RecordVectors {
    static final Map<String, String> OUT = new LinkedHashMap<>();
    static final HexFormat HEX = HexFormat.of();

    static void put(String name, byte[] value) {
        OUT.put(name, HEX.formatHex(value));
    }

    static GXDLMSSecureClient client(Authentication auth, String password, InterfaceType type) {
        GXDLMSSecureClient c = new GXDLMSSecureClient(true, 16, 1, auth, password, type);
        c.setProposedConformance(EnumSet.of(Conformance.PRIORITY_MGMT_SUPPORTED, Conformance.ATTRIBUTE_0_SUPPORTED_WITH_GET,
                Conformance.BLOCK_TRANSFER_WITH_GET_OR_READ, Conformance.BLOCK_TRANSFER_WITH_SET_OR_WRITE,
                Conformance.BLOCK_TRANSFER_WITH_ACTION, Conformance.MULTIPLE_REFERENCES, Conformance.GET, Conformance.SET,
                Conformance.SELECTIVE_ACCESS, Conformance.EVENT_NOTIFICATION, Conformance.ACTION));
        c.setMaxReceivePDUSize(0xFFFF);
        return c;
    }

    static byte[] reply(GuruxMeter meter, byte[] request) throws Exception {
        return meter.handleRequest(request);
    }

    /** Feeds a reply to the client and returns its parsed data. */
    static GXReplyData parse(GXDLMSSecureClient c, byte[] reply) throws Exception {
        GXReplyData r = new GXReplyData();
        c.getData(reply, r);
        return r;
    }

    public static void main(String[] args) throws Exception {
        GXDLMSRegister register = new GXDLMSRegister("1.0.1.8.0.255");
        GXDLMSClock clock = new GXDLMSClock("0.0.1.0.0.255");
        GXDLMSProfileGeneric interval = new GXDLMSProfileGeneric("1.0.99.1.0.255");
        GXDLMSData alarm = new GXDLMSData("0.0.97.98.0.255");

        // --- wrapper, no authentication --------------------------------------------------------------
        GuruxMeter.Options o = new GuruxMeter.Options();
        GuruxMeter meter = GuruxMeter.create(o);
        GXDLMSSecureClient c = client(Authentication.NONE, null, InterfaceType.WRAPPER);
        byte[] req = c.aarqRequest()[0];
        put("wrapper.none.aarq", req);
        byte[] rep = reply(meter, req);
        put("wrapper.none.aare", rep);
        c.parseAareResponse(parse(c, rep).getData());
        req = c.read(register, 2)[0];
        put("wrapper.get.register.request", req);
        put("wrapper.get.register.response", reply(meter, req));
        req = c.read(register, 3)[0];
        put("wrapper.get.scalerUnit.request", req);
        put("wrapper.get.scalerUnit.response", reply(meter, req));
        interval.addCaptureObject(clock, 2, 0);
        req = c.readRowsByRange(interval, Date.from(Instant.parse("2026-01-02T00:00:00Z")), Date.from(Instant.parse("2026-01-02T01:00:00Z")))[0];
        put("wrapper.get.range.request", req);
        put("wrapper.get.range.response", reply(meter, req));
        req = c.read(interval, 2)[0];
        put("wrapper.get.buffer.request", req);
        rep = reply(meter, req);
        put("wrapper.get.buffer.block1", rep);
        GXReplyData block = parse(c, rep);
        req = c.receiverReady(block);
        put("wrapper.get.buffer.next", req);
        put("wrapper.get.buffer.block2", reply(meter, req));
        alarm.setValue(0L);
        alarm.setDataType(2, DataType.UINT32);
        req = c.write(alarm, 2)[0];
        put("wrapper.set.alarm.request", req);
        put("wrapper.set.alarm.response", reply(meter, req));
        req = c.method(clock, 1, 0, DataType.INT8)[0];
        put("wrapper.action.clock.request", req);
        put("wrapper.action.clock.response", reply(meter, req));
        req = c.read(new GXDLMSRegister("1.0.99.8.0.255"), 2)[0];
        put("wrapper.get.undefined.response", reply(meter, req));
        req = c.releaseRequest()[0];
        put("wrapper.release.request", req);
        put("wrapper.release.response", reply(meter, req));

        // --- HDLC, LLS -----------------------------------------------------------------------------------
        o = new GuruxMeter.Options();
        o.transport = InterfaceType.HDLC;
        o.authentication = Authentication.LOW;
        o.password = "12345678".getBytes();
        meter = GuruxMeter.create(o);
        c = client(Authentication.LOW, "12345678", InterfaceType.HDLC);
        c.setServerAddress(GXDLMSSecureClient.getServerAddress(1, 1));
        req = c.snrmRequest();
        put("hdlc.snrm", req);
        rep = reply(meter, req);
        put("hdlc.ua", rep);
        c.parseUAResponse(parse(c, rep).getData());
        req = c.aarqRequest()[0];
        put("hdlc.lls.aarq", req);
        rep = reply(meter, req);
        put("hdlc.lls.aare", rep);
        c.parseAareResponse(parse(c, rep).getData());
        req = c.read(register, 2)[0];
        put("hdlc.get.register.request", req);
        put("hdlc.get.register.response", reply(meter, req));
        req = c.disconnectRequest();
        put("hdlc.disc", req);
        put("hdlc.disc.response", reply(meter, req));

        // --- wrapper, HLS GMAC with authenticated encryption ---------------------------------------------
        o = new GuruxMeter.Options();
        o.authentication = Authentication.HIGH_GMAC;
        meter = GuruxMeter.create(o);
        c = client(Authentication.HIGH_GMAC, null, InterfaceType.WRAPPER);
        c.getCiphering().setSecurity(Security.AUTHENTICATION_ENCRYPTION);
        c.getCiphering().setSystemTitle(HEX.parseHex("4F53470000000001"));
        c.getCiphering().setAuthenticationKey(o.authenticationKey);
        c.getCiphering().setBlockCipherKey(o.blockCipherKey);
        c.getCiphering().setInvocationCounter(100);
        c.setCtoSChallenge(HEX.parseHex("000102030405060708090A0B0C0D0E0F"));
        req = c.aarqRequest()[0];
        put("hls.aarq", req);
        rep = reply(meter, req);
        put("hls.aare", rep);
        c.parseAareResponse(parse(c, rep).getData());
        req = c.getApplicationAssociationRequest()[0];
        put("hls.pass3.request", req);
        rep = reply(meter, req);
        put("hls.pass3.response", rep);
        c.parseApplicationAssociationResponse(parse(c, rep).getData());
        req = c.read(register, 2)[0];
        put("hls.get.register.request", req);
        put("hls.get.register.response", reply(meter, req));

        // --- the same with a dedicated key (ded-ciphering) --------------------------------------------------
        meter = GuruxMeter.create(o);
        c = client(Authentication.HIGH_GMAC, null, InterfaceType.WRAPPER);
        c.getCiphering().setSecurity(Security.AUTHENTICATION_ENCRYPTION);
        c.getCiphering().setSystemTitle(HEX.parseHex("4F53470000000001"));
        c.getCiphering().setAuthenticationKey(o.authenticationKey);
        c.getCiphering().setBlockCipherKey(o.blockCipherKey);
        c.getCiphering().setDedicatedKey(HEX.parseHex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"));
        c.getCiphering().setInvocationCounter(200);
        c.setCtoSChallenge(HEX.parseHex("000102030405060708090A0B0C0D0E0F"));
        req = c.aarqRequest()[0];
        put("hls.ded.aarq", req);
        rep = reply(meter, req);
        c.parseAareResponse(parse(c, rep).getData());
        req = c.getApplicationAssociationRequest()[0];
        rep = reply(meter, req);
        c.parseApplicationAssociationResponse(parse(c, rep).getData());
        req = c.read(register, 2)[0];
        put("hls.ded.get.register.request", req);
        put("hls.ded.get.register.response", reply(meter, req));

        // --- A-XDR data encodings ------------------------------------------------------------------------
        GXDLMSSettings settings = null; // setData needs settings only for ciphered/compact types
        GXStructure scalerUnit = new GXStructure();
        scalerUnit.add((byte) 0);
        scalerUnit.add(30);
        Object[][] data = {
                { "uint32", DataType.UINT32, 123456L },
                { "int16", DataType.INT16, (short) -5 },
                { "int8", DataType.INT8, (byte) -128 },
                { "uint16", DataType.UINT16, 65535 },
                { "int64", DataType.INT64, -1234567890123L },
                { "float64", DataType.FLOAT64, 1.5 },
                { "enum", DataType.ENUM, 30 },
                { "boolean", DataType.BOOLEAN, true },
                { "octetString", DataType.OCTET_STRING, HEX.parseHex("0102030405") },
                { "visibleString", DataType.STRING, "GX-CORE-1.2.3" },
                { "dateTime", DataType.DATETIME, new GXDateTime(Date.from(Instant.parse("2026-01-02T03:04:05Z"))) },
                { "structure", DataType.STRUCTURE, scalerUnit },
        };
        for (Object[] d : data) {
            GXByteBuffer b = new GXByteBuffer();
            GXCommon.setData(settings, b, (DataType) d[1], d[2]);
            put("data." + d[0], b.array());
        }

        StringBuilder sb = new StringBuilder("{\n  \"_source\": \"test/dlms-meter/src/RecordVectors.java with gurux.dlms ")
                .append(System.getProperty("gurux.version", "4.0.47")).append(" (GXDLMSSecureClient and GXDLMSSecureServer2)\"");
        for (Map.Entry<String, String> e : OUT.entrySet()) {
            sb.append(",\n  \"").append(e.getKey()).append("\": \"").append(e.getValue()).append('"');
        }
        System.out.println(sb.append("\n}"));
        System.exit(0);
    }
}
