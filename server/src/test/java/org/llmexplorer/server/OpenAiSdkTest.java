package org.llmexplorer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.cli.Llmx;

/**
 * The server against the official OpenAI Java SDK, on stories260K: models, chat and text
 * completions, streamed and not, log-probabilities, and errors; greedy replies equal to
 * {@code llmx generate}'s.
 */
class OpenAiSdkTest {
    static final Path MODEL = Shared.path("models/stories260K.gguf");
    static final String PROMPT = "Once upon a time, there was a little girl";
    static LlmxServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        server = LlmxServer.start(LlmxServer.Options.local(MODEL, 0));
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    /** What {@code llmx generate --json} says for a greedy continuation. */
    static JsonNode generate(String prompt, int maxTokens) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Llmx.run(new String[] {"generate", "--model", MODEL.toString(), "--prompt", prompt, "--temperature", "0",
                "--max-tokens", String.valueOf(maxTokens), "--top-probs", "3", "--json"},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listsTheModel() {
        List<Model> models = client.models().list().data();
        assertEquals(1, models.size());
        assertEquals("stories260K", models.get(0).id());
        assertEquals("stories260K", client.models().retrieve("stories260K").id());
        assertThrows(NotFoundException.class, () -> client.models().retrieve("gpt-4o"));
    }

    @Test
    void greedyCompletionIsWhatGenerateSays() throws Exception {
        JsonNode expected = generate(PROMPT, 30);
        Completion c = client.completions().create(CompletionCreateParams.builder().model("stories260K").prompt(PROMPT)
                .maxTokens(30).temperature(0.0).logprobs(3).build());
        assertEquals(expected.get("text").asText(), c.choices().get(0).text());
        assertEquals(30, c.usage().orElseThrow().completionTokens());
        assertEquals(expected.get("prompt_tokens").size(), c.usage().orElseThrow().promptTokens());
        var lp = c.choices().get(0).logprobs().orElseThrow();
        List<Double> logs = lp.tokenLogprobs().orElseThrow();
        for (int i = 0; i < 30; i++) { // the chosen token's log-probability is the model's own
            assertEquals(Math.log(expected.get("token_probs").get(i).get("p").asDouble()), logs.get(i), 1e-6);
        }
        assertEquals(3, lp.topLogprobs().orElseThrow().get(0)._additionalProperties().size());
        assertEquals("length", c.choices().get(0).finishReason().asString());
    }

    @Test
    void greedyChatStreamedAndNotAgreeWithGenerate() throws Exception {
        JsonNode expected = generate(PROMPT, 25);
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("stories260K").addUserMessage(PROMPT)
                .maxCompletionTokens(25).temperature(0.0).logprobs(true).topLogprobs(5).build();
        ChatCompletion whole = client.chat().completions().create(p);
        String text = whole.choices().get(0).message().content().orElseThrow();
        assertEquals(expected.get("text").asText(), text);
        List<ChatCompletionTokenLogprob> content = whole.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
        assertEquals(25, content.size());
        for (int i = 0; i < content.size(); i++) {
            ChatCompletionTokenLogprob t = content.get(i);
            assertEquals(5, t.topLogprobs().size());
            assertEquals(t.token(), t.topLogprobs().get(0).token(), "greedy picks the most likely token");
            assertEquals(t.logprob(), t.topLogprobs().get(0).logprob(), 1e-12);
            assertEquals(expected.get("top").get(i).get(0).get("id").asInt(), expected.get("tokens").get(i).asInt());
        }

        StringBuilder streamed = new StringBuilder();
        int pieces = 0;
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                for (ChatCompletionChunk.Choice c : chunk.choices()) {
                    streamed.append(c.delta().content().orElse(""));
                    pieces += c.logprobs().flatMap(ChatCompletionChunk.Choice.Logprobs::content).map(List::size).orElse(0);
                    if (c.finishReason().isPresent()) {
                        finish = c.finishReason().get().asString();
                    }
                }
            }
        }
        assertEquals(text, streamed.toString());
        assertEquals(25, pieces);
        assertEquals("length", finish);
    }

    @Test
    void stopStringsNAndSeeds() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("stories260K")
                .addUserMessage("Once upon a time").maxCompletionTokens(60).temperature(0.0).stop(" named").build());
        String text = c.choices().get(0).message().content().orElseThrow();
        assertFalse(text.contains(" named"), text);
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());

        ChatCompletionCreateParams sampled = ChatCompletionCreateParams.builder().model("stories260K")
                .addUserMessage("Once upon a time").maxCompletionTokens(20).temperature(1.0).seed(7).n(3).build();
        ChatCompletion a = client.chat().completions().create(sampled);
        ChatCompletion b = client.chat().completions().create(sampled);
        assertEquals(3, a.choices().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(a.choices().get(i).message().content(), b.choices().get(i).message().content(), "same seed, same text");
        }
        assertTrue(a.choices().stream().map(x -> x.message().content().orElse("")).distinct().count() > 1,
                "the n choices draw with different seeds");
    }

    @Test
    void refusalsAreOpenAiErrors() {
        BadRequestException tooLong = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model("stories260K").prompt(PROMPT).maxTokens(1_000_000).build()));
        assertEquals("context_length_exceeded", tooLong.code().orElseThrow());
        assertEquals("max_tokens", tooLong.param().orElseThrow());
        BadRequestException badTemperature = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ChatCompletionCreateParams.builder().model("stories260K").addUserMessage("x").temperature(-1.0).build()));
        assertEquals("temperature", badTemperature.param().orElseThrow());
        NotFoundException unknown = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("x").build()));
        assertEquals("model_not_found", unknown.code().orElseThrow());
    }

    @Test
    void anApiKeyIsChecked() throws Exception {
        LlmxServer.Options o = LlmxServer.Options.local(MODEL, 0);
        try (LlmxServer locked = LlmxServer.start(new LlmxServer.Options(o.model(), null, o.host(), 0, "s3cret", o.backend(),
                1, 0, o.maxBodyBytes(), o.maxWaiting()))) {
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(locked.url() + "/v1").apiKey("guess").maxRetries(0).build();
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> wrong.models().list());
            assertEquals("invalid_api_key", e.code().orElseThrow());
            wrong.close();
            OpenAIClient right = OpenAIOkHttpClient.builder().baseUrl(locked.url() + "/v1").apiKey("s3cret").build();
            assertEquals("stories260K", right.models().list().data().get(0).id());
            right.close();
        }
    }
}
