export interface CreateMessageCommand {
  phoneNumber: string;
  content: string;
}
