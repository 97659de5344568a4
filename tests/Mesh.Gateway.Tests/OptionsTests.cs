using Mesh.Gateway;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Tests;

/// <summary>Gateway settings are validated at start, and the instance id gives the reply topic.</summary>
public sealed class OptionsTests
{
    private static GatewayOptions Valid() => new() { Models = ["tiny"] };

    [Fact]
    public void Defaults_with_a_model_are_valid()
    {
        Assert.True(new GatewayOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("Models")]
    [InlineData("ApiKeys")]
    [InlineData("MaxTokensLimit")]
    [InlineData("DefaultMaxTokens")]
    [InlineData("MaxRequestBytes")]
    [InlineData("RequestTimeout")]
    [InlineData("ReplyBufferCapacity")]
    [InlineData("InstanceId")]
    public void Each_unworkable_setting_is_named(string key)
    {
        GatewayOptions options = Valid();
        switch (key)
        {
            case "Models": options.Models = []; break;
            case "ApiKeys": options.ApiKeys = [" "]; break;
            case "MaxTokensLimit": options.MaxTokensLimit = 0; break;
            case "DefaultMaxTokens": options.DefaultMaxTokens = options.MaxTokensLimit + 1; break;
            case "MaxRequestBytes": options.MaxRequestBytes = 10; break;
            case "RequestTimeout": options.RequestTimeout = TimeSpan.Zero; break;
            case "ReplyBufferCapacity": options.ReplyBufferCapacity = 0; break;
            case "InstanceId": options.InstanceId = "Gateway One"; break;
        }

        ValidateOptionsResult result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Gateway:" + key, result.FailureMessage);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_gateway_at_start()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayHost.StartAsync(new Dictionary<string, string?> { ["Gateway:MaxTokensLimit"] = "0" }));

        Assert.Contains("Gateway:MaxTokensLimit", ex.Message);
    }

    [Theory]
    [InlineData(null, "Build-Agent_07.local", "gateway-build-agent_07.local")]
    [InlineData(null, "HOST NAME!", "gateway-host-name-")]
    [InlineData("gw-2", "ignored", "gw-2")]
    public void Instance_id_is_configured_or_derived_from_the_machine_name(string? configured, string machine, string expected)
    {
        GatewayInstance instance = GatewayInstance.From(configured, machine);

        Assert.Equal(expected, instance.Id);
        Assert.Equal("mesh.replies." + expected, instance.ReplyTopic);
    }
}
