import { chatProviders, useChatWorker } from "../../support/use-chat-worker";
import { describeProviderContract } from "./provider-contract";

const chat = useChatWorker();

for (const provider of chatProviders) describeProviderContract(provider, chat);
